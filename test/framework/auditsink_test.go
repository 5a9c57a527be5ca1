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

package framework

import (
	"net/http"
	"strings"
	"testing"
)

func TestAuditSink(t *testing.T) {
	k, err := StartAuditSink()
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	post := func(path, body string) (int, error) {
		resp, err := http.Post(k.URL()+path, "application/json", strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	const batch = "/api/v1/audit/events/batch"
	for _, c := range []struct {
		what       string
		before     func() error
		path, body string
		want       int
	}{
		{"a batch", nil, batch, `[{"event_id":"a"},{"event_id":"b"}]`, http.StatusOK},
		{"a re-delivery", nil, batch, `[{"event_id":"a"}]`, http.StatusOK},
		{"not JSON", nil, batch, `not json`, http.StatusBadRequest},
		{"another path", nil, "/elsewhere", `[]`, http.StatusNotFound},
		{"failing", func() error { return k.Fail(http.StatusServiceUnavailable) }, batch, `[{"event_id":"c"}]`, http.StatusServiceUnavailable},
		{"down", func() error { k.Down(); return nil }, batch, `[{"event_id":"c"}]`, 0},
		{"up again on the same URL", k.Up, batch, `[{"event_id":"c"}]`, http.StatusOK},
	} {
		if c.before != nil {
			if err := c.before(); err != nil {
				t.Fatalf("%s: %v", c.what, err)
			}
		}
		got, err := post(c.path, c.body)
		if c.want == 0 {
			if err == nil {
				t.Errorf("%s: POST answered %d, want the connection refused", c.what, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: POST = %d, %v; want %d", c.what, got, err, c.want)
		}
	}
	var ids []string
	for _, e := range k.Events() {
		ids = append(ids, e.EventID)
	}
	if strings.Join(ids, ",") != "a,b,a,c" {
		t.Errorf("events = %q, want a,b,a,c", ids)
	}
	if k.Requests() != 6 || k.Failed() != 1 {
		t.Errorf("Requests() = %d, Failed() = %d; want 6 and 1", k.Requests(), k.Failed())
	}
}
