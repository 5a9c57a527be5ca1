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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"
	"k8s.io/apimachinery/pkg/types"

	"kubernaut.ai/workflowexecution/test/parse"
)

// deadline bounds every wait of these tests; none is reached when they pass.
const deadline = 5 * time.Second

var formats = []Format{FormatDataStorage, FormatCloudEvents}

// request is a request as the receiver got it.
type request struct {
	path   string
	header http.Header
	body   []byte
	at     time.Time
}

// action is how the receiver answers a request.
type action struct {
	status int
	header map[string]string
	body   string
	hangup bool            // close the connection without a response
	wait   <-chan struct{} // answer once closed
}

// receiver is an audit sink on loopback that records every request.
type receiver struct {
	srv     *httptest.Server
	respond func(n int, r request) action
	arrived chan struct{} // one token per request

	mu   sync.Mutex
	reqs []request
}

func newReceiver(t *testing.T, respond func(n int, r request) action) *receiver {
	t.Helper()
	r := &receiver{respond: respond, arrived: make(chan struct{}, 1000)}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	rq := request{path: req.URL.Path, header: req.Header.Clone(), body: body, at: time.Now()}
	r.mu.Lock()
	n := len(r.reqs)
	r.reqs = append(r.reqs, rq)
	r.mu.Unlock()
	r.arrived <- struct{}{}

	a := action{status: http.StatusOK}
	if r.respond != nil {
		a = r.respond(n, rq)
	}
	if a.wait != nil {
		<-a.wait
	}
	if a.hangup {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func (r *receiver) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

// waitRequest waits for the next request to arrive.
func (r *receiver) waitRequest(t *testing.T) {
	t.Helper()
	select {
	case <-r.arrived:
	case <-time.After(deadline):
		t.Fatal("no request reached the receiver")
	}
}

// received is one event as a request carried it.
type received struct {
	raw string // the Event JSON
	ev  Event
}

// decode returns the events a request carries, checking its wire format.
func decode(t *testing.T, f Format, r request) []received {
	t.Helper()
	var raws []json.RawMessage
	switch f {
	case FormatDataStorage:
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q, want application/json", ct)
		}
		if err := json.Unmarshal(r.body, &raws); err != nil {
			t.Fatalf("datastorage body is not a JSON array: %v: %s", err, r.body)
		}
	case FormatCloudEvents:
		req := httptest.NewRequest(http.MethodPost, r.path, bytes.NewReader(r.body))
		req.Header = r.header
		ce, err := cehttp.NewEventFromHTTPRequest(req)
		if err != nil {
			t.Fatalf("not a CloudEvent: %v", err)
		}
		if r.header.Get("Ce-Id") == "" {
			t.Errorf("CloudEvent not in binary mode: headers %v", r.header)
		}
		var ev Event
		if err := json.Unmarshal(ce.Data(), &ev); err != nil {
			t.Fatalf("CloudEvent data is not an Event: %v", err)
		}
		type attrs struct {
			SpecVersion, ID, Type, Source, Subject, DataContentType string
			Time                                                    time.Time
			CorrelationID                                           any
		}
		want := attrs{
			SpecVersion:     "1.0",
			ID:              ev.EventID,
			Type:            string(ev.EventType),
			Source:          "/apis/workflowexecution.kubernaut.ai/v1alpha1/namespaces/" + ev.Namespace + "/workflowexecutions/" + strings.TrimPrefix(ev.ResourceID, ev.Namespace+"/"),
			Subject:         ev.ResourceID,
			DataContentType: "application/json",
			Time:            ev.EventTimestamp,
			CorrelationID:   ev.CorrelationID,
		}
		got := attrs{
			SpecVersion:     ce.SpecVersion(),
			ID:              ce.ID(),
			Type:            ce.Type(),
			Source:          ce.Source(),
			Subject:         ce.Subject(),
			DataContentType: ce.DataContentType(),
			Time:            ce.Time(),
			CorrelationID:   ce.Extensions()["correlationid"],
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("CloudEvent attributes (-want, +got):\n%s", diff)
		}
		raws = []json.RawMessage{ce.Data()}
	}
	out := make([]received, len(raws))
	for i, raw := range raws {
		out[i].raw = string(raw)
		if err := json.Unmarshal(raw, &out[i].ev); err != nil {
			t.Fatalf("not an Event: %v: %s", err, raw)
		}
	}
	return out
}

// counts is the Metrics of the tests.
type counts struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *counts) EventSent(result string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]int{}
	}
	c.m[result] += n
}

func (c *counts) get(result string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[result]
}

// outcomes collects what callbacks report.
type outcomes chan [2]string

func (o outcomes) callback(ev Event, result string) { o <- [2]string{ev.EventID, result} }

// wait returns the results of n events, failing on an event reported twice.
func (o outcomes) wait(t *testing.T, n int) map[string]string {
	t.Helper()
	got := map[string]string{}
	for range n {
		select {
		case r := <-o:
			if prev, ok := got[r[0]]; ok {
				t.Errorf("event %s reported twice: %s then %s", r[0], prev, r[1])
			}
			got[r[0]] = r[1]
		case <-time.After(deadline):
			t.Fatalf("%d of %d events reported: %v", len(got), n, got)
		}
	}
	return got
}

func (o outcomes) none(t *testing.T) {
	t.Helper()
	select {
	case r := <-o:
		t.Errorf("unexpected report %v", r)
	default:
	}
}

type testSender struct {
	*Sender
	metrics *counts
	done    outcomes
	logs    *observer.ObservedLogs
}

func newTestSender(t *testing.T, url string, f Format, tweak ...func(*Config)) *testSender {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	logger := zap.New(zapcore.NewTee(core, zaptest.NewLogger(t).Core())).Sugar()
	cfg := Config{
		URL:            url,
		Format:         f,
		InitialBackoff: time.Millisecond,
		MaxBackoff:     20 * time.Millisecond,
		Metrics:        &counts{},
	}
	for _, fn := range tweak {
		fn(&cfg)
	}
	s, err := NewSender(cfg, logger)
	if err != nil {
		t.Fatalf("NewSender: %v", err)
	}
	return &testSender{Sender: s, metrics: cfg.Metrics.(*counts), done: make(outcomes, 100), logs: logs}
}

// run runs the worker until the test ends, or until the returned stop is called.
func (s *testSender) run(t *testing.T) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		s.Run(ctx)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-stopped:
			case <-time.After(deadline):
				t.Error("Run did not return after its context was cancelled")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func (s *testSender) enqueue(t *testing.T, evs ...Event) {
	t.Helper()
	for _, ev := range evs {
		if err := s.Enqueue(ev, s.done.callback); err != nil {
			t.Fatalf("Enqueue(%s): %v", ev.EventID, err)
		}
	}
}

// fourEvents returns one event of each type.
func fourEvents(t *testing.T) []Event {
	return []Event{
		NewEvent(parse.MustParseWorkflowExecution(t, baseWFE, runningStatus), EventTypeStarted, time.Now()),
		NewEvent(parse.MustParseWorkflowExecution(t, baseWFE, completedStatus), EventTypeCompleted, time.Now()),
		NewEvent(parse.MustParseWorkflowExecution(t, baseWFE, failedStatus), EventTypeFailed, time.Now()),
		NewEvent(parse.MustParseWorkflowExecution(t, baseWFE, busyStatus), EventTypeSkipped, time.Now()),
	}
}

// manyEvents returns n completed events of distinct executions.
func manyEvents(t *testing.T, n int) []Event {
	evs := make([]Event, n)
	for i := range evs {
		wfe := parse.MustParseWorkflowExecution(t, baseWFE, completedStatus)
		wfe.UID = types.UID(fmt.Sprintf("6f1c2f3e-0000-4000-8000-%012d", i+100))
		wfe.Name = fmt.Sprintf("restart-api-%d", i)
		evs[i] = NewEvent(wfe, EventTypeCompleted, time.Now())
	}
	return evs
}

func ids(evs []Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.EventID
	}
	return out
}

func allResults(evs []Event, result string) map[string]string {
	m := map[string]string{}
	for _, ev := range evs {
		m[ev.EventID] = result
	}
	return m
}

func TestSenderFormats(t *testing.T) {
	for _, f := range formats {
		t.Run(string(f), func(t *testing.T) {
			recv := newReceiver(t, nil)
			s := newTestSender(t, recv.srv.URL+"/sink/", f)
			evs := fourEvents(t)
			s.enqueue(t, evs...) // queued before Run: one batch
			s.run(t)
			if diff := cmp.Diff(allResults(evs, ResultDelivered), s.done.wait(t, len(evs))); diff != "" {
				t.Errorf("results (-want, +got):\n%s", diff)
			}

			reqs := recv.requests()
			wantPath, wantRequests := "/sink/", len(evs)
			if f == FormatDataStorage {
				wantPath, wantRequests = "/sink/api/v1/audit/events/batch", 1
			}
			if len(reqs) != wantRequests {
				t.Errorf("got %d requests, want %d", len(reqs), wantRequests)
			}
			var got []Event
			for _, r := range reqs {
				if r.path != wantPath {
					t.Errorf("request path = %q, want %q", r.path, wantPath)
				}
				if bytes.Contains(r.body, []byte(secretValue)) {
					t.Errorf("request carries a parameter value: %s", r.body)
				}
				for _, rcv := range decode(t, f, r) {
					got = append(got, rcv.ev)
				}
			}
			byID := func(a, b Event) int { return strings.Compare(a.EventID, b.EventID) }
			want := slices.SortedFunc(slices.Values(evs), byID)
			slices.SortFunc(got, byID)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("received events (-want, +got):\n%s", diff)
			}
			if got := s.metrics.get(ResultDelivered); got != len(evs) {
				t.Errorf("delivered count = %d, want %d", got, len(evs))
			}
			if n := s.Pending(); n != 0 {
				t.Errorf("Pending() = %d after delivery, want 0", n)
			}
		})
	}
}

func TestSenderRetriesUntilDelivered(t *testing.T) {
	for _, f := range formats {
		t.Run(string(f), func(t *testing.T) {
			// A hang-up, then 503s and a 500, then the sink is healthy.
			recv := newReceiver(t, func(n int, _ request) action {
				switch {
				case n == 0:
					return action{hangup: true}
				case n < 4:
					return action{status: http.StatusServiceUnavailable, body: "unavailable"}
				case n == 4:
					return action{status: http.StatusInternalServerError}
				default:
					return action{status: http.StatusAccepted}
				}
			})
			s := newTestSender(t, recv.srv.URL, f, func(c *Config) { c.BatchSize = 2 })
			evs := manyEvents(t, 7)
			s.run(t)
			s.enqueue(t, evs...)
			if diff := cmp.Diff(allResults(evs, ResultDelivered), s.done.wait(t, len(evs))); diff != "" {
				t.Errorf("results (-want, +got):\n%s", diff)
			}

			// Every event arrived; copies of an event are byte-identical.
			copies := map[string]string{}
			for _, r := range recv.requests() {
				for _, rcv := range decode(t, f, r) {
					if prev, ok := copies[rcv.ev.EventID]; ok && prev != rcv.raw {
						t.Errorf("event %s re-sent different:\n%s\n%s", rcv.ev.EventID, prev, rcv.raw)
					}
					copies[rcv.ev.EventID] = rcv.raw
				}
			}
			if diff := cmp.Diff(slices.Sorted(slices.Values(ids(evs))), slices.Sorted(func(yield func(string) bool) {
				for id := range copies {
					if !yield(id) {
						return
					}
				}
			})); diff != "" {
				t.Errorf("received ids (-want, +got):\n%s", diff)
			}
			if got := s.metrics.get(ResultDelivered); got != len(evs) {
				t.Errorf("delivered count = %d, want %d", got, len(evs))
			}
			if got := s.metrics.get(ResultRetried); got < 5 {
				t.Errorf("retried count = %d, want at least one per failed request (5)", got)
			}
			if got := s.metrics.get(ResultRejected) + s.metrics.get(ResultDropped); got != 0 {
				t.Errorf("rejected+dropped count = %d, want 0", got)
			}
			if n := s.Pending(); n != 0 {
				t.Errorf("Pending() = %d after delivery, want 0", n)
			}
		})
	}
}

func TestSenderRejects(t *testing.T) {
	for _, f := range formats {
		t.Run(string(f), func(t *testing.T) {
			evs := manyEvents(t, 4)
			bad := evs[1].EventID
			recv := newReceiver(t, func(_ int, r request) action {
				if bytes.Contains(r.body, []byte(bad)) {
					return action{status: http.StatusBadRequest, body: "invalid event:\n  schema mismatch\n"}
				}
				return action{status: http.StatusOK}
			})
			s := newTestSender(t, recv.srv.URL, f)
			s.enqueue(t, evs[:3]...) // one batch: the bad event must not sink the others
			s.run(t)
			want := allResults(evs[:3], ResultDelivered)
			want[bad] = ResultRejected
			if diff := cmp.Diff(want, s.done.wait(t, 3)); diff != "" {
				t.Errorf("results (-want, +got):\n%s", diff)
			}
			// The worker is not busy retrying the rejected event.
			s.enqueue(t, evs[3])
			if diff := cmp.Diff(allResults(evs[3:], ResultDelivered), s.done.wait(t, 1)); diff != "" {
				t.Errorf("results (-want, +got):\n%s", diff)
			}

			alone := 0 // requests that carried the bad event alone
			for _, r := range recv.requests() {
				if rcvs := decode(t, f, r); len(rcvs) == 1 && rcvs[0].ev.EventID == bad {
					alone++
				}
			}
			if alone != 1 {
				t.Errorf("the rejected event was sent alone %d times, want once", alone)
			}
			for result, want := range map[string]int{ResultDelivered: 3, ResultRejected: 1, ResultRetried: 0, ResultDropped: 0} {
				if got := s.metrics.get(result); got != want {
					t.Errorf("%s count = %d, want %d", result, got, want)
				}
			}
			logs := s.logs.FilterLevelExact(zapcore.ErrorLevel).AllUntimed()
			if len(logs) != 1 {
				t.Fatalf("got %d error logs, want 1: %v", len(logs), logs)
			}
			wantLog := map[string]any{
				"status":    int64(400),
				"response":  "invalid event: schema mismatch",
				"eventId":   bad,
				"eventType": string(EventTypeCompleted),
				"resource":  evs[1].ResourceID,
			}
			gotLog := logs[0].ContextMap()
			if diff := cmp.Diff(wantLog, gotLog); diff != "" {
				t.Errorf("reject log %q fields (-want, +got):\n%s", logs[0].Message, diff)
			}
		})
	}
}

func TestSenderRejectsInvalidCloudEvent(t *testing.T) {
	recv := newReceiver(t, nil)
	s := newTestSender(t, recv.srv.URL, FormatCloudEvents)
	evs := manyEvents(t, 2)
	evs[0].EventID = "" // a CloudEvent needs an id
	s.enqueue(t, evs...)
	s.run(t)
	want := map[string]string{"": ResultRejected, evs[1].EventID: ResultDelivered}
	if diff := cmp.Diff(want, s.done.wait(t, 2)); diff != "" {
		t.Errorf("results (-want, +got):\n%s", diff)
	}
	if got := len(recv.requests()); got != 1 {
		t.Errorf("got %d requests, want only the valid event's", got)
	}
	if got := s.metrics.get(ResultRetried); got != 0 {
		t.Errorf("retried count = %d, want 0", got)
	}
}

func TestCloudEvent(t *testing.T) {
	ev := fourEvents(t)[2]
	ce, err := CloudEvent(ev, nil)
	if err != nil {
		t.Fatalf("CloudEvent: %v", err)
	}
	var got Event
	if err := json.Unmarshal(ce.Data(), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ev, got); diff != "" {
		t.Errorf("CloudEvent data (-want, +got):\n%s", diff)
	}
	if got, want := ce.Source(), "/apis/workflowexecution.kubernaut.ai/v1alpha1/namespaces/payment/workflowexecutions/restart-api"; got != want {
		t.Errorf("source = %q, want %q", got, want)
	}
	if _, err := CloudEvent(Event{}, nil); err == nil {
		t.Error("CloudEvent(Event{}) succeeded, want an error: no id, type or time")
	}
	if _, err := CloudEvent(ev, []byte("{not json")); err == nil {
		t.Error("CloudEvent with invalid data succeeded, want an error")
	}
}

func TestSenderHonoursRetryAfter(t *testing.T) {
	recv := newReceiver(t, func(n int, _ request) action {
		if n == 0 {
			return action{status: http.StatusTooManyRequests, header: map[string]string{"Retry-After": "1"}}
		}
		return action{status: http.StatusOK}
	})
	s := newTestSender(t, recv.srv.URL, FormatDataStorage, func(c *Config) { c.MaxBackoff = deadline })
	evs := manyEvents(t, 1)
	s.run(t)
	s.enqueue(t, evs...)
	if diff := cmp.Diff(allResults(evs, ResultDelivered), s.done.wait(t, 1)); diff != "" {
		t.Errorf("results (-want, +got):\n%s", diff)
	}
	reqs := recv.requests()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests, want 2", len(reqs))
	}
	if gap := reqs[1].at.Sub(reqs[0].at); gap < time.Second {
		t.Errorf("retried after %v, want at least the Retry-After of 1s", gap)
	}
	if got := s.metrics.get(ResultRetried); got != 1 {
		t.Errorf("retried count = %d, want 1", got)
	}
}

func TestSenderBufferFullAndDuplicates(t *testing.T) {
	recv := newReceiver(t, nil)
	s := newTestSender(t, recv.srv.URL, FormatDataStorage, func(c *Config) { c.BufferSize = 2 })
	evs := manyEvents(t, 3)
	dup := make(outcomes, 1)

	returned := make(chan error, 4)
	go func() {
		returned <- s.Enqueue(evs[0], s.done.callback)
		returned <- s.Enqueue(evs[0], dup.callback) // already queued: ignored
		returned <- s.Enqueue(evs[1], s.done.callback)
		returned <- s.Enqueue(evs[2], s.done.callback) // full
	}()
	var errs []error
	for range 4 {
		select {
		case err := <-returned:
			errs = append(errs, err)
		case <-time.After(deadline):
			t.Fatal("Enqueue blocked")
		}
	}
	if diff := cmp.Diff([]error{nil, nil, nil, ErrBufferFull}, errs, cmp.Comparer(func(a, b error) bool { return errors.Is(a, b) })); diff != "" {
		t.Errorf("Enqueue errors (-want, +got):\n%s", diff)
	}
	if n := s.Pending(); n != 2 {
		t.Errorf("Pending() = %d, want 2", n)
	}

	s.run(t)
	if diff := cmp.Diff(allResults(evs[:2], ResultDelivered), s.done.wait(t, 2)); diff != "" {
		t.Errorf("results (-want, +got):\n%s", diff)
	}
	dup.none(t)
	var got []string
	for _, r := range recv.requests() {
		for _, rcv := range decode(t, FormatDataStorage, r) {
			got = append(got, rcv.ev.EventID)
		}
	}
	if diff := cmp.Diff(ids(evs[:2]), got); diff != "" {
		t.Errorf("received ids (-want, +got):\n%s", diff)
	}
	// Delivered events leave the buffer: the caller's retry now fits.
	s.enqueue(t, evs[2])
	if diff := cmp.Diff(allResults(evs[2:], ResultDelivered), s.done.wait(t, 1)); diff != "" {
		t.Errorf("results (-want, +got):\n%s", diff)
	}
}

func TestSenderDrain(t *testing.T) {
	t.Run("delivers what is queued", func(t *testing.T) {
		recv := newReceiver(t, nil)
		s := newTestSender(t, recv.srv.URL, FormatCloudEvents, func(c *Config) { c.BatchSize = 2 })
		evs := manyEvents(t, 5)
		s.enqueue(t, evs...)
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		if err := s.Drain(ctx); err != nil {
			t.Fatalf("Drain: %v", err)
		}
		if diff := cmp.Diff(allResults(evs, ResultDelivered), s.done.wait(t, len(evs))); diff != "" {
			t.Errorf("results (-want, +got):\n%s", diff)
		}
		if n := s.Pending(); n != 0 {
			t.Errorf("Pending() = %d after Drain, want 0", n)
		}
	})

	t.Run("gives up at the deadline when the sink is down", func(t *testing.T) {
		recv := newReceiver(t, nil)
		recv.srv.Close() // connection refused
		s := newTestSender(t, recv.srv.URL, FormatDataStorage)
		evs := manyEvents(t, 3)
		s.enqueue(t, evs...)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := s.Drain(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Drain = %v, want a deadline error", err)
		}
		if took := time.Since(start); took > deadline {
			t.Errorf("Drain took %v, bound 200ms", took)
		}
		if got := s.metrics.get(ResultDropped); got != len(evs) {
			t.Errorf("dropped count = %d, want %d", got, len(evs))
		}
		if n := s.Pending(); n != len(evs) {
			t.Errorf("Pending() = %d, want the %d undelivered events still held", n, len(evs))
		}
		s.done.none(t)
	})

	t.Run("takes over from a stopped Run", func(t *testing.T) {
		up := make(chan struct{})
		recv := newReceiver(t, func(int, request) action {
			select {
			case <-up:
				return action{status: http.StatusOK}
			default:
				return action{status: http.StatusServiceUnavailable}
			}
		})
		s := newTestSender(t, recv.srv.URL, FormatDataStorage)
		evs := manyEvents(t, 3)
		stop := s.run(t)
		s.enqueue(t, evs...)
		recv.waitRequest(t) // in flight, then retried
		stop()
		if n := s.Pending(); n != len(evs) {
			t.Fatalf("Pending() = %d after Run stopped, want %d", n, len(evs))
		}
		close(up)
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		if err := s.Drain(ctx); err != nil {
			t.Fatalf("Drain: %v", err)
		}
		if diff := cmp.Diff(allResults(evs, ResultDelivered), s.done.wait(t, len(evs))); diff != "" {
			t.Errorf("results (-want, +got):\n%s", diff)
		}
	})
}

func TestSenderDrop(t *testing.T) {
	t.Run("queued", func(t *testing.T) {
		recv := newReceiver(t, nil)
		s := newTestSender(t, recv.srv.URL, FormatDataStorage)
		evs := manyEvents(t, 2)
		s.enqueue(t, evs...)
		if !s.Drop(evs[0].EventID) {
			t.Error("Drop(queued) = false, want true")
		}
		if s.Drop("no-such-event") {
			t.Error("Drop(unknown) = true, want false")
		}
		if n := s.Pending(); n != 1 {
			t.Errorf("Pending() = %d, want 1", n)
		}
		s.run(t)
		if diff := cmp.Diff(allResults(evs[1:], ResultDelivered), s.done.wait(t, 1)); diff != "" {
			t.Errorf("results (-want, +got):\n%s", diff)
		}
		for _, r := range recv.requests() {
			if bytes.Contains(r.body, []byte(evs[0].EventID)) {
				t.Errorf("dropped event was sent: %s", r.body)
			}
		}
		if got := s.metrics.get(ResultDropped); got != 1 {
			t.Errorf("dropped count = %d, want 1", got)
		}
	})

	t.Run("in flight", func(t *testing.T) {
		release := make(chan struct{})
		recv := newReceiver(t, func(int, request) action {
			return action{status: http.StatusServiceUnavailable, wait: release}
		})
		s := newTestSender(t, recv.srv.URL, FormatDataStorage)
		evs := manyEvents(t, 1)
		s.run(t)
		s.enqueue(t, evs...)
		recv.waitRequest(t)
		if !s.Drop(evs[0].EventID) {
			t.Error("Drop(in flight) = false, want true")
		}
		close(release)
		for end := time.Now().Add(deadline); s.Pending() != 0; time.Sleep(time.Millisecond) {
			if time.Now().After(end) {
				t.Fatal("the dropped event is still pending")
			}
		}
		if got := s.metrics.get(ResultDropped); got != 1 {
			t.Errorf("dropped count = %d, want 1", got)
		}
		if got := len(recv.requests()); got != 1 {
			t.Errorf("got %d requests, want 1: a dropped event is not retried", got)
		}
		s.done.none(t)
	})
}

func TestNilSender(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	s, err := NewSender(Config{Format: FormatCloudEvents}, zap.New(core).Sugar())
	if s != nil || err != nil {
		t.Fatalf("NewSender(no URL) = %v, %v, want nil, nil", s, err)
	}
	if diff := cmp.Diff([]string{"audit disabled: audit-sink-url is empty"}, messages(logs)); diff != "" {
		t.Errorf("logs (-want, +got):\n%s", diff)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.Run(ctx)
	if err := s.Enqueue(Event{EventID: "x"}, func(Event, string) { t.Error("callback of a disabled sender") }); err != nil {
		t.Errorf("Enqueue = %v, want nil", err)
	}
	if s.Enabled() || s.Pending() != 0 || s.Drop("x") || s.Drain(ctx) != nil {
		t.Error("a nil Sender is not a no-op")
	}
}

func TestNewSender(t *testing.T) {
	tests := []struct {
		name, url string
		format    Format
		wantErr   bool
		endpoint  string
	}{
		{name: "datastorage", url: "http://datastorage.kubernaut-system:8080", endpoint: "http://datastorage.kubernaut-system:8080/api/v1/audit/events/batch"},
		{name: "datastorage with a path", url: "https://ds.example/prefix/", endpoint: "https://ds.example/prefix/api/v1/audit/events/batch"},
		{name: "cloudevents", url: "http://broker-ingress.knative-eventing/ns/default", format: FormatCloudEvents, endpoint: "http://broker-ingress.knative-eventing/ns/default"},
		{name: "unknown format", url: "http://x", format: "xml", wantErr: true},
		{name: "not http", url: "ftp://user:pa55word@x", wantErr: true},
		{name: "relative", url: "datastorage:8080", wantErr: true},
		{name: "no host", url: "http://", wantErr: true},
		{name: "unparsable", url: "http://user:pa55word@x/%zz", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSender(Config{URL: tc.url, Format: tc.format}, zaptest.NewLogger(t).Sugar())
			if (err != nil) != tc.wantErr {
				t.Fatalf("NewSender = %v, wantErr %v", err, tc.wantErr)
			}
			if err != nil {
				if strings.Contains(err.Error(), "pa55word") {
					t.Errorf("error reveals the URL's password: %v", err)
				}
				return
			}
			if s.endpoint != tc.endpoint {
				t.Errorf("endpoint = %q, want %q", s.endpoint, tc.endpoint)
			}
		})
	}

	core, logs := observer.New(zapcore.InfoLevel)
	if _, err := NewSender(Config{URL: "https://audit:pa55word@ds.example"}, zap.New(core).Sugar()); err != nil {
		t.Fatal(err)
	}
	for _, e := range logs.AllUntimed() {
		if strings.Contains(fmt.Sprint(e.Message, e.ContextMap()), "pa55word") {
			t.Errorf("log reveals the URL's password: %s %v", e.Message, e.ContextMap())
		}
	}
}

func TestSenderFormat(t *testing.T) {
	for in, want := range map[Format]Format{"": FormatDataStorage, "datastorage": FormatDataStorage, "cloudevents": FormatCloudEvents} {
		if s, err := NewSender(Config{URL: "http://x", Format: in}, zap.NewNop().Sugar()); err != nil || s.format != want {
			t.Errorf("NewSender(format %q) = %v, want format %q", in, err, want)
		}
	}
	if _, err := NewSender(Config{URL: "http://x", Format: "CloudEvents"}, zap.NewNop().Sugar()); err == nil {
		t.Error("NewSender(format CloudEvents) succeeded, want an error")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		" 0 ":                           0,
		"-5":                            0,
		"99999999999999":                24 * time.Hour,
		"soon":                          0,
		"Sun, 01 Mar 2026 10:00:07 GMT": 7 * time.Second,
		"Sun, 01 Mar 2026 09:00:00 GMT": 0,
	}
	for in, want := range tests {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	s := &Sender{initialBackoff: 100 * time.Millisecond, maxBackoff: time.Second}
	for attempt := range 70 {
		d := min(100*time.Millisecond<<min(attempt, 10), time.Second)
		if got := s.backoff(attempt, 0); got < d/2 || got > d {
			t.Errorf("backoff(%d) = %v, want in [%v, %v]", attempt, got, d/2, d)
		}
	}
	if got := s.backoff(0, 700*time.Millisecond); got != 700*time.Millisecond {
		t.Errorf("backoff with Retry-After 700ms = %v, want 700ms", got)
	}
	if got := s.backoff(0, time.Hour); got != time.Second {
		t.Errorf("backoff with Retry-After 1h = %v, want the 1s cap", got)
	}
}

func messages(logs *observer.ObservedLogs) []string {
	var out []string
	for _, e := range logs.AllUntimed() {
		out = append(out, e.Message)
	}
	return out
}

// TestSenderDeduplicatesUntilTheCallbackReturns: while the done callback of
// a delivered event runs (the reconciler records the outcome there), the
// event still counts as pending, so the same event enqueued meanwhile by a
// concurrent reconcile is not sent a second time.
func TestSenderDeduplicatesUntilTheCallbackReturns(t *testing.T) {
	recv := newReceiver(t, nil)
	s := newTestSender(t, recv.srv.URL, FormatDataStorage)
	ev := manyEvents(t, 1)[0]
	again := make(chan error, 1)
	if err := s.Enqueue(ev, func(e Event, result string) {
		again <- s.Enqueue(e, nil) // the concurrent reconcile
		s.done.callback(e, result)
	}); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	if diff := cmp.Diff(allResults([]Event{ev}, ResultDelivered), s.done.wait(t, 1)); diff != "" {
		t.Errorf("results (-want, +got):\n%s", diff)
	}
	if err := <-again; err != nil {
		t.Errorf("Enqueue from the callback = %v", err)
	}
	if err := s.Drain(context.Background()); err != nil {
		t.Fatalf("Drain() = %v", err)
	}
	if n := len(recv.requests()); n != 1 {
		t.Errorf("the sink received %d requests, want 1 (no second send)", n)
	}
	if n := s.Pending(); n != 0 {
		t.Errorf("Pending() = %d after the callback, want 0", n)
	}
}
