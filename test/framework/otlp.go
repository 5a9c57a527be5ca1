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
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// OTLPReceiver is an in-process OTLP/HTTP trace receiver: it decodes the
// protobuf export requests exporters post to URL()/v1/traces.
type OTLPReceiver struct {
	srv   *httptest.Server
	mu    sync.Mutex
	spans []*tracepb.Span
}

// StartOTLPReceiver starts a receiver on loopback, stopped when t ends.
func StartOTLPReceiver(t testing.TB) *OTLPReceiver {
	r := &OTLPReceiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		var export coltracepb.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(body, &export)
		}
		if err != nil || req.URL.Path != "/v1/traces" {
			http.Error(w, fmt.Sprintf("bad export to %s: %v", req.URL.Path, err), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		for _, rs := range export.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				r.spans = append(r.spans, ss.GetSpans()...)
			}
		}
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		b, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		_, _ = w.Write(b)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// Endpoint is the OTLP/HTTP traces URL.
func (r *OTLPReceiver) Endpoint() string { return r.srv.URL + "/v1/traces" }

// Trace returns the spans received for a trace ID (hex).
func (r *OTLPReceiver) Trace(traceID string) []*tracepb.Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*tracepb.Span
	for _, s := range r.spans {
		if hex.EncodeToString(s.GetTraceId()) == traceID {
			out = append(out, s)
		}
	}
	return out
}

// DumpSpans renders spans one a line, by start time: name, span ID,
// parent, duration and string attributes.
func DumpSpans(spans []*tracepb.Span) string {
	sorted := append([]*tracepb.Span(nil), spans...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].GetStartTimeUnixNano() < sorted[j].GetStartTimeUnixNano() })
	var b strings.Builder
	for _, s := range sorted {
		parent := hex.EncodeToString(s.GetParentSpanId())
		if parent == "" {
			parent = "(root)"
		}
		d := time.Duration(s.GetEndTimeUnixNano() - s.GetStartTimeUnixNano())
		var attrs []string
		for _, a := range s.GetAttributes() {
			if v := a.GetValue().GetStringValue(); v != "" {
				attrs = append(attrs, a.GetKey()+"="+v)
			}
		}
		fmt.Fprintf(&b, "  %-28s span %x parent %-16s %8s  %s\n", s.GetName(), s.GetSpanId(), parent, d.Round(time.Millisecond), strings.Join(attrs, " "))
	}
	return b.String()
}
