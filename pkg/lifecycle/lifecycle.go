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
// Package lifecycle holds what the process shares with its controllers:
// readiness (caches synced) for the probes, hooks run at shutdown, and the
// end of API server outages.
package lifecycle

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/client-go/tools/cache"
	"knative.dev/pkg/logging"
)

// DefaultProbesPort serves /healthz and /readyz.
const DefaultProbesPort = 8081

// State is the process state shared through the context.
type State struct {
	ready   atomic.Bool
	mu      sync.Mutex
	syncs   []cache.InformerSynced
	pending atomic.Int32
	hooks   []func(context.Context)

	recovery *APIRecovery
}

type stateKey struct{}

// WithState stores s in ctx.
func WithState(ctx context.Context, s *State) context.Context {
	return context.WithValue(ctx, stateKey{}, s)
}

// FromContext returns the State of ctx, or nil.
func FromContext(ctx context.Context) *State {
	s, _ := ctx.Value(stateKey{}).(*State)
	return s
}

// WaitForSync marks the process ready once every informer has synced. A
// nil State ignores it.
func (s *State) WaitForSync(ctx context.Context, synced ...cache.InformerSynced) {
	if s == nil {
		return
	}
	s.pending.Add(1)
	go func() {
		if cache.WaitForCacheSync(ctx.Done(), synced...) {
			if s.pending.Add(-1) == 0 {
				s.ready.Store(true)
				logging.FromContext(ctx).Info("Informer caches synced: ready")
			}
		}
	}()
}

// Ready reports whether every informer registered with WaitForSync synced.
func (s *State) Ready() bool {
	return s != nil && s.ready.Load()
}

// OnShutdown registers f to run, in order, when the process stops.
func (s *State) OnShutdown(f func(context.Context)) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks = append(s.hooks, f)
}

// Shutdown runs the shutdown hooks within timeout.
func (s *State) Shutdown(timeout time.Duration) {
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	s.mu.Lock()
	hooks := append([]func(context.Context){}, s.hooks...)
	s.mu.Unlock()
	for _, f := range hooks {
		f(ctx)
	}
}

// Handler serves /healthz (the process answers) and /readyz (caches synced
// and not shutting down).
func (s *State) Handler(ctx context.Context) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("ok"))
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		switch {
		case ctx.Err() != nil:
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
		case !s.Ready():
			http.Error(w, "informer caches not synced", http.StatusServiceUnavailable)
		default:
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte("ok"))
		}
	})
	return mux
}

// ServeProbes serves the probes on port until ctx is done.
func (s *State) ServeProbes(ctx context.Context, port int) error {
	srv := &http.Server{
		Addr:              net.JoinHostPort("", strconv.Itoa(port)),
		Handler:           s.Handler(ctx),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
