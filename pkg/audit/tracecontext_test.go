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
	"encoding/json"
	"strings"
	"testing"
)

// TestCloudEventTraceParent: an event of a traced execution carries the
// CloudEvents distributed tracing extension traceparent; the JSON payload
// (both wire formats) does not change.
func TestCloudEventTraceParent(t *testing.T) {
	const tp = "00-8a851409379b8278be9dac925775aa72-55eb9f5bc991fc1c-01"
	ev := fourEvents(t)[2]
	plain, err := CloudEvent(ev, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := plain.Extensions()["traceparent"]; ok {
		t.Error("traceparent set on an event without a trace")
	}
	ev.TraceParent = tp
	traced, err := CloudEvent(ev, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := traced.Extensions()["traceparent"]; got != tp {
		t.Errorf("traceparent extension = %v, want %s", got, tp)
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), tp) || string(traced.Data()) != string(plain.Data()) {
		t.Errorf("the trace context leaked into the payload: %s", b)
	}
}
