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

// Package shutdown runs, after the controllers stopped, the work a process
// must finish before it exits (flush the audit events and the traces).
package shutdown

import (
	"context"
	"sync"
	"time"
)

// Hooks are run in order at shutdown. A nil *Hooks ignores every call.
type Hooks struct {
	mu    sync.Mutex
	hooks []func(context.Context)
}

// Add registers f to run, after those added before, when the process stops.
func (h *Hooks) Add(f func(context.Context)) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hooks = append(h.hooks, f)
}

// Run runs the hooks within timeout: each gets a context done at the bound.
func (h *Hooks) Run(timeout time.Duration) {
	if h == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	h.mu.Lock()
	hooks := append([]func(context.Context){}, h.hooks...)
	h.mu.Unlock()
	for _, f := range hooks {
		f(ctx)
	}
}
