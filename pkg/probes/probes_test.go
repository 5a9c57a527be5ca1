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
package probes

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

func status(t *testing.T, h http.Handler, path string) int {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code
}

func TestReadinessFollowsInformerSync(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &Readiness{}
	h := s.Handler(ctx)
	synced := make(chan struct{})
	s.WaitForSync(ctx, func() bool {
		select {
		case <-synced:
			return true
		default:
			return false
		}
	}, func() bool { return true })

	if got := status(t, h, "/healthz"); got != http.StatusOK {
		t.Errorf("/healthz before sync = %d, want 200", got)
	}
	if got := status(t, h, "/readyz"); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz before sync = %d, want 503", got)
	}
	close(synced)
	if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		return status(t, h, "/readyz") == http.StatusOK, nil
	}); err != nil {
		t.Fatal("/readyz never became 200 after the informers synced")
	}
	cancel()
	if got := status(t, h, "/readyz"); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz while shutting down = %d, want 503", got)
	}
}

func TestNilReadiness(t *testing.T) {
	var nilReadiness *Readiness
	nilReadiness.WaitForSync(context.Background())
	if nilReadiness.Ready() {
		t.Error("a nil Readiness is ready")
	}
}
