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

package lifecycle

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

// APIRecovery notices when the API server answers again after an outage.
// During one, every reconcile fails and the work queue backs each key off
// exponentially (knative's limiter goes up to 1000 s), so work could stay
// parked for a minute or more after the API server is back. The handlers
// registered with OnRecovered run once per outage, at its end, to retry
// at once.
//
// It sees the process's requests through WrapTransport: a transport error
// or a 502/503/504 is a failure, any other answer a success.
type APIRecovery struct {
	clock clock.PassiveClock

	mu           sync.Mutex
	failingSince time.Time // zero: the last request succeeded
	handlers     []func()
}

// NewAPIRecovery returns an APIRecovery that reads time from clk.
func NewAPIRecovery(clk clock.PassiveClock) *APIRecovery {
	return &APIRecovery{clock: clk}
}

// APIRecovery returns the process's APIRecovery (created on first use), or
// nil for a nil State.
func (s *State) APIRecovery() *APIRecovery {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.recovery == nil {
		s.recovery = NewAPIRecovery(clock.RealClock{})
	}
	return s.recovery
}

// OnRecovered registers f to run (in its own goroutine) at the end of each
// outage. A nil APIRecovery ignores it.
func (a *APIRecovery) OnRecovered(f func()) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.handlers = append(a.handlers, f)
}

// WrapTransport observes the requests made through rt; use it as a
// rest.Config's WrapTransport.
func (a *APIRecovery) WrapTransport(rt http.RoundTripper) http.RoundTripper {
	return &observedTransport{next: rt, recovery: a}
}

// observe records one request's outcome.
func (a *APIRecovery) observe(failed bool) {
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
	recovery *APIRecovery
}

func (t *observedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	switch {
	case err != nil:
		// A request given up by its caller says nothing of the server.
		if !errors.Is(err, context.Canceled) {
			t.recovery.observe(true)
		}
	case resp.StatusCode == http.StatusBadGateway, resp.StatusCode == http.StatusServiceUnavailable,
		resp.StatusCode == http.StatusGatewayTimeout:
		t.recovery.observe(true)
	default:
		t.recovery.observe(false)
	}
	return resp, err
}
