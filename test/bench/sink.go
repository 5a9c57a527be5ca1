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
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"kubernaut.ai/workflowexecution/pkg/audit"
)

// auditSink is a loopback audit receiver in the datastorage format
// (-audit-sink), so that a run also pays for, and a soak also holds the
// memory of, audit delivery.
type auditSink struct {
	srv *http.Server
	url string

	mu       sync.Mutex
	requests int
	events   int
	ids      map[string]struct{}
}

// startAuditSink listens on a loopback port.
func startAuditSink() (*auditSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("audit sink: %w", err)
	}
	s := &auditSink{url: "http://" + ln.Addr().String(), ids: map[string]struct{}{}}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.handle), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *auditSink) handle(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path != "/api/v1/audit/events/batch" || req.Method != http.MethodPost {
		http.NotFound(w, req)
		return
	}
	body, err := io.ReadAll(req.Body)
	var batch []audit.Event
	if err == nil {
		err = json.Unmarshal(body, &batch)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.requests++
	s.events += len(batch)
	for _, e := range batch {
		s.ids[e.EventID] = struct{}{}
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// counts returns the requests, events and distinct event ids received.
func (s *auditSink) counts() (requests, events, unique int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests, s.events, len(s.ids)
}

func (s *auditSink) close() { _ = s.srv.Close() }
