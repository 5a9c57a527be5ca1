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
// Package probes serves the controller's /healthz and /readyz: ready once
// every informer cache synced, and not while shutting down.
package probes

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"k8s.io/client-go/tools/cache"
	"knative.dev/pkg/logging"
)

// DefaultPort serves /healthz and /readyz.
const DefaultPort = 8081

// Readiness tells whether the informers the controllers wait for synced.
type Readiness struct {
	ready   atomic.Bool
	pending atomic.Int32
}

// WaitForSync marks the process ready once every informer has synced. A
// nil Readiness ignores it.
func (s *Readiness) WaitForSync(ctx context.Context, synced ...cache.InformerSynced) {
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
func (s *Readiness) Ready() bool {
	return s != nil && s.ready.Load()
}

// Handler serves /healthz (the process answers) and /readyz (caches synced
// and not shutting down).
func (s *Readiness) Handler(ctx context.Context) http.Handler {
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

// Serve serves the probes on port until ctx is done.
func (s *Readiness) Serve(ctx context.Context, port int) error {
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
