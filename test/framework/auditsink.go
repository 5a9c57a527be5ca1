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
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"kubernaut.ai/workflowexecution/pkg/audit"
)

// AuditSink is a real audit receiver on loopback (the datastorage wire
// format). It can be taken down (its port refuses connections), made to
// fail (it answers with an error status) and brought back on the same URL.
type AuditSink struct {
	addr string

	mu       sync.Mutex
	srv      *http.Server
	failWith int // 0: accept
	events   []audit.Event
	requests int
	failed   int // requests answered with failWith
	refused  bool
}

// StartAuditSink listens on a loopback port; Close stops it.
func StartAuditSink() (*AuditSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("audit sink: %w", err)
	}
	k := &AuditSink{addr: ln.Addr().String()}
	k.serve(ln)
	return k, nil
}

// Close stops the sink for good.
func (k *AuditSink) Close() {
	k.mu.Lock()
	srv := k.srv
	k.srv = nil
	k.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// URL is the audit-sink-url of the controller.
func (k *AuditSink) URL() string { return "http://" + k.addr }

func (k *AuditSink) serve(ln net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(k.handle), ReadHeaderTimeout: 5 * time.Second}
	k.mu.Lock()
	k.srv = srv
	k.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

func (k *AuditSink) handle(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.requests++
	switch {
	case req.URL.Path != "/api/v1/audit/events/batch" || req.Method != http.MethodPost:
		http.NotFound(w, req)
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	case k.failWith != 0:
		k.failed++
		if k.failWith == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		w.WriteHeader(k.failWith)
		return
	}
	var batch []audit.Event
	if err := json.Unmarshal(body, &batch); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	k.events = append(k.events, batch...)
	w.WriteHeader(http.StatusOK)
}

// Down closes the port: connections are refused until Up.
func (k *AuditSink) Down() {
	k.mu.Lock()
	srv := k.srv
	k.srv, k.refused = nil, true
	k.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// Fail keeps the port open but answers every request with code.
func (k *AuditSink) Fail(code int) error {
	if err := k.listen(); err != nil {
		return err
	}
	k.mu.Lock()
	k.failWith = code
	k.mu.Unlock()
	return nil
}

// Up accepts events again.
func (k *AuditSink) Up() error {
	if err := k.listen(); err != nil {
		return err
	}
	k.mu.Lock()
	k.failWith = 0
	k.mu.Unlock()
	return nil
}

// listen opens the port again after Down (the same address, so the
// controller's configuration stays valid).
func (k *AuditSink) listen() error {
	k.mu.Lock()
	refused := k.refused
	k.mu.Unlock()
	if !refused {
		return nil
	}
	var ln net.Listener
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; {
		if ln, err = net.Listen("tcp", k.addr); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("audit sink: listening on %s again: %w", k.addr, err)
	}
	k.mu.Lock()
	k.refused = false
	k.mu.Unlock()
	k.serve(ln)
	return nil
}

// Events returns a copy of every event received (with duplicates).
func (k *AuditSink) Events() []audit.Event {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]audit.Event(nil), k.events...)
}

// Requests returns how many requests reached the sink.
func (k *AuditSink) Requests() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.requests
}

// Failed returns how many requests the sink answered with an error status.
func (k *AuditSink) Failed() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.failed
}
