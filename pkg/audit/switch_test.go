/*
Copyright 2026 The Kubernaut Authors

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package audit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
)

func TestSwitchFollowsTheSinkSettings(t *testing.T) {
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(sink.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var replaced atomic.Int32
	sw := NewSwitch(ctx, zap.NewNop().Sugar(), nil, func() { replaced.Add(1) })
	withSink := func(url string, cooldown time.Duration) *config.WorkflowExecution {
		c := config.Defaults()
		c.AuditSinkURL, c.CooldownPeriod = url, cooldown
		return c
	}

	sw.OnStore(config.ConfigName, withSink(sink.URL+"/a", time.Minute))
	if sw.current.Load() != nil {
		t.Fatal("a Sender before the start")
	}
	sw.StartWhenSynced()
	first := sw.Sender()
	if !first.Enabled() {
		t.Fatal("no enabled Sender after the start with a sink URL")
	}

	sw.OnStore(config.ConfigName, withSink(sink.URL+"/a", 2*time.Minute))
	sw.OnStore("config-other", withSink(sink.URL+"/b", time.Minute))
	sw.OnStore(config.ConfigName, "not a config")
	if sw.Sender() != first || replaced.Load() != 0 {
		t.Errorf("the Sender was replaced (%d times) without a change of the sink settings", replaced.Load())
	}

	sw.OnStore(config.ConfigName, withSink(sink.URL+"/b", time.Minute))
	if sw.Sender() == first || replaced.Load() != 1 {
		t.Errorf("a new sink URL: Sender replaced = %v, replaced called %d times, want true and 1", sw.Sender() != first, replaced.Load())
	}

	sw.OnStore(config.ConfigName, withSink("", time.Minute))
	if sw.Sender().Enabled() || sw.Pending() != 0 {
		t.Error("an empty sink URL leaves audit enabled")
	}
	sw.Shutdown(ctx)

	var nilSwitch *Switch
	if nilSwitch.Sender() != nil {
		t.Error("a nil Switch has a Sender")
	}
}

func TestSwitchStartsOnceSynced(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sw := NewSwitch(ctx, zap.NewNop().Sugar(), nil, nil)
	var synced atomic.Bool
	sw.StartWhenSynced(synced.Load)
	sw.OnStore(config.ConfigName, config.Defaults()) // the watcher's default first
	if sw.current.Load() != nil {
		t.Fatal("a Sender before the informers synced")
	}
	c := config.Defaults()
	c.AuditSinkURL = "http://sink.example/"
	sw.OnStore(config.ConfigName, c) // then the real ConfigMap
	synced.Store(true)
	deadline := time.Now().Add(10 * time.Second)
	for r := sw.current.Load(); r == nil || !r.sender.Enabled(); r = sw.current.Load() {
		if time.Now().After(deadline) {
			t.Fatal("no Sender built from the real configuration once synced")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSwitchStartsOnFirstUse: a pass that runs before the StartWhenSynced
// goroutine woke up gets the Sender of the configuration stored, not none.
func TestSwitchStartsOnFirstUse(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sw := NewSwitch(ctx, zap.NewNop().Sugar(), nil, nil)
	sw.StartWhenSynced(func() bool { return false }) // never synced here
	c := config.Defaults()
	c.AuditSinkURL = "http://sink.example/"
	sw.OnStore(config.ConfigName, c)
	if sw.Pending() != 0 || sw.current.Load() != nil {
		t.Fatal("Pending started the Switch")
	}
	if !sw.Sender().Enabled() {
		t.Fatal("Sender() before the goroutine's start: no enabled Sender")
	}
	first := sw.Sender()
	if sw.Sender() != first {
		t.Error("a second Sender() built another Sender")
	}
}
