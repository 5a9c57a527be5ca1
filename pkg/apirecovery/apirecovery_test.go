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

package apirecovery

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

func TestAPIRecovery(t *testing.T) {
	var status atomic.Int32
	status.Store(http.StatusOK)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close() // connection refused from now on

	clk := clocktesting.NewFakePassiveClock(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))
	a := New(clk)
	recovered := make(chan struct{}, 10)
	a.OnRecovered(func() { recovered <- struct{}{} })
	client := &http.Client{Transport: a.WrapTransport(http.DefaultTransport)}
	get := func(url string, code int) {
		t.Helper()
		status.Store(int32(code))
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
		}
	}
	advance := func(d time.Duration) { clk.SetTime(clk.Now().Add(d)) }

	for _, step := range []struct {
		what      string
		do        func()
		recovered int
	}{
		{"answers", func() { get(srv.URL, http.StatusOK) }, 0},
		{"a short blip of 503s", func() {
			get(srv.URL, http.StatusServiceUnavailable)
			advance(MinOutage / 2)
			get(srv.URL, http.StatusServiceUnavailable)
			get(srv.URL, http.StatusOK)
		}, 0},
		{"client errors are answers", func() {
			get(srv.URL, http.StatusConflict)
			advance(2 * MinOutage)
			get(srv.URL, http.StatusNotFound)
		}, 0},
		{"refused, then 504s, then an answer", func() {
			get(downURL, 0)
			advance(MinOutage)
			get(srv.URL, http.StatusGatewayTimeout)
			get(srv.URL, http.StatusForbidden)
		}, 1},
		{"a second outage", func() {
			get(srv.URL, http.StatusBadGateway)
			advance(5 * MinOutage)
			get(srv.URL, http.StatusOK)
			get(srv.URL, http.StatusOK)
		}, 1},
	} {
		step.do()
		got := 0
		if step.recovered > 0 {
			select {
			case <-recovered:
				got++
			case <-time.After(10 * time.Second):
			}
		}
		// Nothing more may arrive: handlers are started before observe returns.
		select {
		case <-recovered:
			got++
		case <-time.After(50 * time.Millisecond):
		}
		if got != step.recovered {
			t.Errorf("%s: %d recoveries, want %d", step.what, got, step.recovered)
		}
	}
}

func TestAPIRecoveryIgnoresCancelledRequests(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	clk := clocktesting.NewFakePassiveClock(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))
	a := New(clk)
	client := &http.Client{Transport: a.WrapTransport(http.DefaultTransport)}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	go cancel()
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the request was not cancelled")
	}
	a.mu.Lock()
	failing := !a.failingSince.IsZero()
	a.mu.Unlock()
	if failing {
		t.Error("a cancelled request counted as a failure of the API server")
	}
}

func TestNilDetector(t *testing.T) {
	var d *Detector
	d.OnRecovered(func() {}) // must not panic
}
