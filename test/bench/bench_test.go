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

package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The benchmark itself needs a cluster (run it with hack/bench.sh); these
// tests cover the arithmetic and parsing its tables rest on.

func TestSummarize(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100..1, unsorted
	}
	tests := []struct {
		name string
		in   []time.Duration
		want summary
	}{{
		name: "empty",
		want: summary{},
	}, {
		name: "one",
		in:   ms(7),
		want: summary{N: 1, P50: 7 * time.Millisecond, P95: 7 * time.Millisecond, P99: 7 * time.Millisecond, Max: 7 * time.Millisecond},
	}, {
		name: "nearest rank over 1..100",
		in:   ms(hundred...),
		want: summary{N: 100, P50: 50 * time.Millisecond, P95: 95 * time.Millisecond, P99: 99 * time.Millisecond, Max: 100 * time.Millisecond},
	}, {
		name: "p99 of ten is the max",
		in:   ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
		want: summary{N: 10, P50: 5 * time.Millisecond, P95: 10 * time.Millisecond, P99: 10 * time.Millisecond, Max: 10 * time.Millisecond},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, summarize(tc.in)); diff != "" {
				t.Errorf("summarize (-want, +got): %s", diff)
			}
		})
	}
}

func TestRatioAndUnits(t *testing.T) {
	tests := []struct{ got, want string }{
		{ratio(30*time.Millisecond, 20*time.Millisecond), "×1.5"},
		{ratio(time.Second, 0), "–"},
		{ms(1500 * time.Microsecond), "1.50"},
		{ms(12340 * time.Microsecond), "12.3"},
		{ms(1234 * time.Millisecond), "1234"},
		{mib(3 << 20), "3.0"},
		{mib(0), "–"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestParseProc(t *testing.T) {
	// Field 2 may hold spaces and parentheses.
	stat := []byte("4242 (contr oller) (x)) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 12 0 100 0 0")
	cpu, err := parseStatCPU(stat)
	if err != nil {
		t.Fatalf("parseStatCPU: %v", err)
	}
	if want := 3 * time.Second; cpu != want {
		t.Errorf("cpu = %s, want %s (300 ticks of 10ms)", cpu, want)
	}
	if _, err := parseStatCPU([]byte("garbage")); err == nil {
		t.Error("parseStatCPU(garbage) succeeded")
	}
	status := []byte("Name:\tcontroller\nVmHWM:\t   81234 kB\nVmRSS:\t   70000 kB\nThreads:\t12\n")
	rss, hwm := parseStatusMemory(status)
	if rss != 70000<<10 || hwm != 81234<<10 {
		t.Errorf("rss, hwm = %d, %d; want %d, %d", rss, hwm, 70000<<10, 81234<<10)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		method, url, contentType string
		want                     reqKey
		ok                       bool
	}{
		{"POST", "/apis/workflowexecution.kubernaut.ai/v1alpha1/namespaces/ns/workflowexecutions", "", reqKey{Verb: "POST", Resource: "workflowexecutions"}, true},
		{"PUT", "/apis/workflowexecution.kubernaut.ai/v1alpha1/namespaces/ns/workflowexecutions/w/status", "", reqKey{Verb: "PUT", Resource: "workflowexecutions", Subresource: "status"}, true},
		{"GET", "/apis/tekton.dev/v1/namespaces/x/pipelineruns/wfe-1", "", reqKey{Verb: "GET", Resource: "pipelineruns"}, true},
		{"GET", "/apis/tekton.dev/v1/namespaces/x/pipelineruns?labelSelector=a", "", reqKey{Verb: "LIST", Resource: "pipelineruns"}, true},
		{"GET", "/apis/tekton.dev/v1/pipelineruns?watch=true", "", reqKey{Verb: "WATCH", Resource: "pipelineruns"}, true},
		{"DELETE", "/apis/tekton.dev/v1/namespaces/x/pipelineruns", "", reqKey{Verb: "DELETECOLLECTION", Resource: "pipelineruns"}, true},
		{"PATCH", "/apis/workflowexecution.kubernaut.ai/v1alpha1/namespaces/ns/workflowexecutions/w", "application/apply-patch+yaml", reqKey{Verb: "APPLY", Resource: "workflowexecutions"}, true},
		{"POST", "/api/v1/namespaces/ns/events", "", reqKey{Verb: "POST", Resource: "events"}, true},
		{"GET", "/api/v1/namespaces/ns", "", reqKey{}, false},
		{"GET", "/metrics", "", reqKey{}, false},
	}
	for _, tc := range tests {
		req := httptest.NewRequest(tc.method, tc.url, nil)
		if tc.contentType != "" {
			req.Header.Set("Content-Type", tc.contentType)
		}
		got, ok := classify(req)
		if ok != tc.ok || got != tc.want {
			t.Errorf("classify(%s %s) = %+v, %v; want %+v, %v", tc.method, tc.url, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCounterAndAttribution(t *testing.T) {
	c := newCounter()
	rt := c.wrap(roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		code := http.StatusOK
		if strings.HasSuffix(r.URL.Path, "/status") {
			code = http.StatusConflict
		}
		return &http.Response{StatusCode: code, Body: http.NoBody}, nil
	}))
	for _, u := range []string{
		"/apis/workflowexecution.kubernaut.ai/v1alpha1/namespaces/ns/workflowexecutions/w/status",
		"/apis/tekton.dev/v1/namespaces/x/pipelineruns/p",
	} {
		if _, err := rt.RoundTrip(httptest.NewRequest("PUT", u, nil)); err != nil {
			t.Fatal(err)
		}
	}
	harness := c.snapshot()
	want := reqCounts{
		{Verb: "PUT", Resource: "workflowexecutions", Subresource: "status", Code: "409"}: 1,
		{Verb: "PUT", Resource: "pipelineruns", Code: "200"}:                              1,
	}
	if diff := cmp.Diff(want, harness); diff != "" {
		t.Errorf("harness counts (-want, +got): %s", diff)
	}

	// The server saw the harness's two requests and three more: those are
	// the controller's.
	before := snapshot{api: reqCounts{}, harness: reqCounts{}}
	server := reqCounts{
		{Verb: "PUT", Resource: "workflowexecutions", Subresource: "status", Code: "409"}: 2,
		{Verb: "PUT", Resource: "pipelineruns", Code: "200"}:                              1,
		{Verb: "POST", Resource: "events", Code: "201"}:                                   2,
	}
	after := snapshot{api: server, harness: harness}
	got := attributed(before, after)
	wantCtl := reqCounts{
		{Verb: "PUT", Resource: "workflowexecutions", Subresource: "status", Code: "409"}: 1,
		{Verb: "POST", Resource: "events", Code: "201"}:                                   2,
	}
	if diff := cmp.Diff(wantCtl, got); diff != "" {
		t.Errorf("attributed (-want, +got): %s", diff)
	}
	if w := got.total(isWrite); w != 3 {
		t.Errorf("writes = %v, want 3", w)
	}
}

func TestParseRequestTotals(t *testing.T) {
	raw := []byte(`# HELP apiserver_request_total [STABLE] Counter of apiserver requests.
# TYPE apiserver_request_total counter
apiserver_request_total{code="201",component="apiserver",dry_run="",group="tekton.dev",resource="pipelineruns",scope="resource",subresource="",verb="POST",version="v1"} 12
apiserver_request_total{code="409",component="apiserver",dry_run="",group="workflowexecution.kubernaut.ai",resource="workflowexecutions",scope="resource",subresource="status",verb="PUT",version="v1alpha1"} 3
apiserver_request_total{code="200",component="apiserver",dry_run="",group="coordination.k8s.io",resource="leases",scope="resource",subresource="",verb="PUT",version="v1"} 40
`)
	got, err := parseRequestTotals(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := reqCounts{
		{Verb: "POST", Resource: "pipelineruns", Code: "201"}:                             12,
		{Verb: "PUT", Resource: "workflowexecutions", Subresource: "status", Code: "409"}: 3,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseRequestTotals (-want, +got): %s", diff)
	}
}

func TestParseOptions(t *testing.T) {
	o, err := parseOptions([]string{"-quick", "-rates", "5,7.5", "-scenarios", "steady,burst"})
	if err != nil {
		t.Fatal(err)
	}
	if o.N != 100 || o.M != 50 || o.ScaleFinished != 2000 {
		t.Errorf("quick defaults: N=%d M=%d finished=%d", o.N, o.M, o.ScaleFinished)
	}
	if diff := cmp.Diff([]float64{5, 7.5}, o.Rates); diff != "" {
		t.Errorf("explicit rates must win over -quick (-want, +got): %s", diff)
	}
	if diff := cmp.Diff(map[string]bool{"steady": true, "burst": true}, o.Scenarios); diff != "" {
		t.Errorf("scenarios (-want, +got): %s", diff)
	}
	for _, bad := range [][]string{{"-rates", "x"}, {"-scenarios", "nope"}, {"-n", "0"}, {"-scenarios", "soak"}} {
		if _, err := parseOptions(bad); err == nil {
			t.Errorf("parseOptions(%q) succeeded", bad)
		}
	}
	t.Setenv("BENCH_N", "77")
	if o, err := parseOptions([]string{"-quick"}); err != nil || o.N != 77 {
		t.Errorf("BENCH_N=77 with -quick: N=%d, err=%v", o.N, err)
	}
}

func TestPlan(t *testing.T) {
	o, err := parseOptions([]string{"-rates", "20", "-scenarios", "steady,burst,scale,unrelated"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, sc := range plan(o) {
		ids = append(ids, sc.ID)
	}
	want := []string{"floor-20", "ctl-20", "floor-burst", "ctl-burst", "ctl-finished", "ctl-unrelated"}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("plan (-want, +got): %s", diff)
	}
	o, _ = parseOptions([]string{"-rates", "20", "-scenarios", "scale"})
	ids = nil
	for _, sc := range plan(o) {
		ids = append(ids, sc.ID)
	}
	if diff := cmp.Diff([]string{"floor-20", "ctl-20", "ctl-finished"}, ids); diff != "" {
		t.Errorf("scale alone runs its baseline first (-want, +got): %s", diff)
	}
}

func TestTektonScenario(t *testing.T) {
	o, err := parseOptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.Scenarios["tekton"] {
		t.Error("the tekton scenario must be off by default (it needs the E2E tier's binaries)")
	}
	o, err = parseOptions([]string{"-scenarios", "tekton", "-tekton-n", "50"})
	if err != nil {
		t.Fatal(err)
	}
	if o.TektonN != 50 || o.TektonM != 20 || o.TektonRate != 5 || o.TektonDelay != 200*time.Millisecond {
		t.Errorf("tekton knobs: N=%d M=%d rate=%v delay=%s", o.TektonN, o.TektonM, o.TektonRate, o.TektonDelay)
	}
	p := plan(o)
	if len(p) != 1 || p[0].ID != "ctl-tekton" || !p[0].RealTekton || p[0].N != 50 || p[0].M != 20 || p[0].Rate != 5 {
		t.Errorf("plan: %+v", p)
	}
	for _, bad := range [][]string{{"-scenarios", "tekton,steady"}, {"-scenarios", "tekton", "-tekton-rate", "0"}, {"-scenarios", "tekton", "-soak", "1m"}} {
		if _, err := parseOptions(bad); err == nil {
			t.Errorf("parseOptions(%q) succeeded", bad)
		}
	}
	if s := benchPipeline(200 * time.Millisecond); !strings.Contains(s, `rig.kubernaut.ai/delay: "200ms"`) || !strings.Contains(s, "name: workflow") {
		t.Errorf("bundle Pipeline:\n%s", s)
	}
}

func TestClientRequests(t *testing.T) {
	const raw = `# TYPE http_client_request_duration_seconds histogram
http_client_request_duration_seconds_bucket{http_request_method="POST",url_template="/apis/tekton.dev/v1/namespaces/kubernaut-workflows/pipelineruns",le="+Inf"} 3
http_client_request_duration_seconds_sum{http_request_method="POST",url_template="/apis/tekton.dev/v1/namespaces/kubernaut-workflows/pipelineruns"} 0.1
http_client_request_duration_seconds_count{http_request_method="POST",url_template="/apis/tekton.dev/v1/namespaces/kubernaut-workflows/pipelineruns"} 3
http_client_request_duration_seconds_bucket{http_request_method="PUT",url_template="/apis/workflowexecution.kubernaut.ai/v1alpha1/namespaces/ns/workflowexecutions/a/status",le="+Inf"} 5
http_client_request_duration_seconds_sum{http_request_method="PUT",url_template="/apis/workflowexecution.kubernaut.ai/v1alpha1/namespaces/ns/workflowexecutions/a/status"} 0.1
http_client_request_duration_seconds_count{http_request_method="PUT",url_template="/apis/workflowexecution.kubernaut.ai/v1alpha1/namespaces/ns/workflowexecutions/a/status"} 5
http_client_request_duration_seconds_bucket{http_request_method="GET",url_template="/api/v1/namespaces/ns/configmaps",le="+Inf"} 9
http_client_request_duration_seconds_sum{http_request_method="GET",url_template="/api/v1/namespaces/ns/configmaps"} 0.1
http_client_request_duration_seconds_count{http_request_method="GET",url_template="/api/v1/namespaces/ns/configmaps"} 9
# TYPE kn_k8s_client_http_response_status_code_total counter
kn_k8s_client_http_response_status_code_total{http_request_method="PUT",http_response_status_code="409"} 2
kn_k8s_client_http_response_status_code_total{http_request_method="PUT",http_response_status_code="200"} 3
`
	m := &controllerMetrics{}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	var err error
	if m.families, err = parser.TextToMetricFamilies(strings.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	want := reqCounts{
		{Verb: "POST", Resource: "pipelineruns"}:                             3,
		{Verb: "PUT", Resource: "workflowexecutions", Subresource: "status"}: 5,
	}
	if diff := cmp.Diff(want, clientRequests(m)); diff != "" {
		t.Errorf("clientRequests (-want, +got): %s", diff)
	}
	if got := clientConflicts(m); got != 2 {
		t.Errorf("clientConflicts = %v, want 2", got)
	}
	if k, ok := classifyTemplate("GET", "/apis/tekton.dev/v1/namespaces/x/pipelineruns"); !ok || k.Verb != "LIST" {
		t.Errorf("GET on a collection: %+v %v", k, ok)
	}
}

func TestRuntimeMem(t *testing.T) {
	const raw = `# TYPE go_memstats_heap_inuse_bytes gauge
go_memstats_heap_inuse_bytes 2.4e+07
# TYPE go_memstats_next_gc_bytes gauge
go_memstats_next_gc_bytes 3.1e+07
# TYPE go_goroutines gauge
go_goroutines 212
`
	m := &controllerMetrics{}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	var err error
	if m.families, err = parser.TextToMetricFamilies(strings.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	want := runtimeMem{heapInuse: 2.4e7, heapGoal: 3.1e7, goroutines: 212}
	if got := m.runtimeMem(); got != want {
		t.Errorf("runtimeMem = %+v, want %+v", got, want)
	}
	// A failed scrape is a nil *controllerMetrics: zeros, rendered as "–".
	var none *controllerMetrics
	if got := none.runtimeMem(); got != (runtimeMem{}) || intGauge(got.goroutines) != "–" {
		t.Errorf("runtimeMem of no scrape = %+v", got)
	}
}

func TestHeapProfileHelpers(t *testing.T) {
	top := `File: controller
Type: inuse_space
Time: 2026-07-01 10:00:00 UTC
Showing nodes accounting for 3.50MB, 20.00% of 17.52MB total
Showing top 1 nodes out of 120
      flat  flat%   sum%        cum   cum%
    3.50MB 20.00% 20.00%     3.50MB 20.00%  k8s.io/client-go/tools/record.(*eventLogger).eventObserve
`
	if got := pprofTotal(top); got != "17.52MB" {
		t.Errorf("pprofTotal = %q, want 17.52MB", got)
	}
	if got := pprofTotal("garbage"); got != "?" {
		t.Errorf("pprofTotal(garbage) = %q, want ?", got)
	}
	for d, want := range map[time.Duration]time.Duration{30 * time.Minute: 5 * time.Minute, 3 * time.Minute: 90 * time.Second} {
		if got := heapEarlyAt(d); got != want {
			t.Errorf("heapEarlyAt(%s) = %s, want %s", d, got, want)
		}
	}
}

func TestSoakGODEBUG(t *testing.T) {
	if got, want := soakGODEBUG(""), "GODEBUG=memprofilerate=32768"; got != want {
		t.Errorf("soakGODEBUG() = %q, want %q", got, want)
	}
	if got, want := soakGODEBUG("http2debug=1"), "GODEBUG=http2debug=1,memprofilerate=32768"; got != want {
		t.Errorf("soakGODEBUG(http2debug=1) = %q, want %q", got, want)
	}
}

func TestAuditSinkOption(t *testing.T) {
	o, err := parseOptions([]string{"-audit-sink"})
	if err != nil || !o.AuditSink {
		t.Errorf("-audit-sink: AuditSink=%v, err=%v", o != nil && o.AuditSink, err)
	}
}
