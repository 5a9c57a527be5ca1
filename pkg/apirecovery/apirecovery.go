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
// Package apirecovery notices when the API server answers again after an
// outage, so that the controller retries its backed-off work at once.
package apirecovery

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// MinOutage is how long the API server must have failed every request
// before its first answer counts as a recovery.
const MinOutage = time.Second

// Detector notices when the API server answers again after an outage.
// During one, every reconcile fails and the work queue backs each key off
// exponentially (knative's limiter goes up to 1000 s), so work could stay
// parked for a minute or more after the API server is back. The handlers
// registered with OnRecovered run once per outage, at its end, to retry
// at once.
//
// It sees the process's requests through WrapTransport: a transport error
// or a 502/503/504 is a failure, any other answer a success.
type Detector struct {
	clock clock.PassiveClock

	mu           sync.Mutex
	failingSince time.Time // zero: the last request succeeded
	handlers     []func()
}

// New returns a Detector that reads time from clk.
func New(clk clock.PassiveClock) *Detector {
	return &Detector{clock: clk}
}

// OnRecovered registers f to run (in its own goroutine) at the end of each
// outage. A nil Detector ignores it.
func (a *Detector) OnRecovered(f func()) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.handlers = append(a.handlers, f)
}

// WrapTransport observes the requests made through rt; use it as a
// rest.Config's WrapTransport.
func (a *Detector) WrapTransport(rt http.RoundTripper) http.RoundTripper {
	return &observedTransport{next: rt, detector: a}
}

// observe records one request's outcome.
func (a *Detector) observe(failed bool) {
	now := a.clock.Now()
	a.mu.Lock()
	if failed {
		if a.failingSince.IsZero() {
			a.failingSince = now
		}
		a.mu.Unlock()
		return
	}
	outage := !a.failingSince.IsZero() && now.Sub(a.failingSince) >= MinOutage
	a.failingSince = time.Time{}
	var handlers []func()
	if outage {
		handlers = append(handlers, a.handlers...)
	}
	a.mu.Unlock()
	for _, h := range handlers {
		go h()
	}
}

type observedTransport struct {
	next     http.RoundTripper
	detector *Detector
}

func (t *observedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	switch {
	case err != nil:
		// A request given up by its caller says nothing of the server.
		if !errors.Is(err, context.Canceled) {
			t.detector.observe(true)
		}
	case resp.StatusCode == http.StatusBadGateway, resp.StatusCode == http.StatusServiceUnavailable,
		resp.StatusCode == http.StatusGatewayTimeout:
		t.detector.observe(true)
	default:
		t.detector.observe(false)
	}
	return resp, err
}
