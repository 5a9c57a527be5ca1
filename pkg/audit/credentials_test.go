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
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"kubernaut.ai/workflowexecution/pkg/redact"
)

// TestSenderRetryPolicy: what the Knative/CloudEvents data plane retries
// (404, 408, 409, 429, 5xx) is sent again until delivered; any other non-2xx
// is a permanent reject, sent once.
func TestSenderRetryPolicy(t *testing.T) {
	tests := []struct {
		status int
		want   string
	}{
		{http.StatusNotFound, ResultDelivered},
		{http.StatusRequestTimeout, ResultDelivered},
		{http.StatusConflict, ResultDelivered},
		{http.StatusTooManyRequests, ResultDelivered},
		{http.StatusInternalServerError, ResultDelivered},
		{http.StatusNotImplemented, ResultDelivered},
		{http.StatusServiceUnavailable, ResultDelivered},
		{http.StatusBadRequest, ResultRejected},
		{http.StatusUnauthorized, ResultRejected},
		{http.StatusForbidden, ResultRejected},
		{http.StatusGone, ResultRejected},
		{http.StatusRequestEntityTooLarge, ResultRejected},
		{http.StatusUnprocessableEntity, ResultRejected},
	}
	for _, f := range formats {
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%s/%d", f, tc.status), func(t *testing.T) {
				recv := newReceiver(t, func(n int, _ request) action {
					if n < 3 {
						return action{status: tc.status}
					}
					return action{status: http.StatusAccepted}
				})
				s := newTestSender(t, recv.srv.URL, f)
				evs := manyEvents(t, 1)
				s.run(t)
				s.enqueue(t, evs...)
				if diff := cmp.Diff(allResults(evs, tc.want), s.done.wait(t, 1)); diff != "" {
					t.Errorf("results (-want, +got):\n%s", diff)
				}
				wantRequests := 4
				if tc.want == ResultRejected {
					wantRequests = 1
				}
				if n := len(recv.requests()); n != wantRequests {
					t.Errorf("%d requests, want %d", n, wantRequests)
				}
			})
		}
	}
}

// tlsReceiver is an HTTPS audit sink on loopback with its own CA that
// answers 401 without the expected bearer token.
type tlsReceiver struct {
	srv    *httptest.Server
	caFile string

	mu     sync.Mutex
	token  string
	tokens []string // Authorization tokens received
}

func newTLSReceiver(t *testing.T, token string) *tlsReceiver {
	t.Helper()
	r := &tlsReceiver{token: token}
	r.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		got := strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
		r.mu.Lock()
		r.tokens = append(r.tokens, got)
		ok := got == r.token
		r.mu.Unlock()
		if !ok {
			// A careless receiver echoing the request must not leak it.
			http.Error(w, "bad token "+got, http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(r.srv.Close)
	r.caFile = filepath.Join(t.TempDir(), "ca.crt")
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.srv.Certificate().Raw})
	if err := os.WriteFile(r.caFile, ca, 0o600); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *tlsReceiver) setToken(tok string) {
	r.mu.Lock()
	r.token = tok
	r.mu.Unlock()
}

func (r *tlsReceiver) received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.tokens...)
}

// writeToken replaces the token file the way the kubelet updates a Secret
// volume: a new file renamed over the old one.
func writeToken(t *testing.T, path, tok string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestSenderTokenFileAndCA(t *testing.T) {
	const first, second = "first-t0ken-value", "second-t0ken-value"
	recv := newTLSReceiver(t, first)
	tokenFile := filepath.Join(t.TempDir(), "token")
	writeToken(t, tokenFile, first)
	s := newTestSender(t, recv.srv.URL+"/?sig=qu3ry-secret", FormatCloudEvents, func(c *Config) {
		c.TokenFile, c.CAFile = tokenFile, recv.caFile
	})
	s.run(t)
	evs := manyEvents(t, 3)
	s.enqueue(t, evs[0])
	if diff := cmp.Diff(allResults(evs[:1], ResultDelivered), s.done.wait(t, 1)); diff != "" {
		t.Errorf("results (-want, +got):\n%s", diff)
	}

	// The Secret is rotated: the next request carries the new token.
	recv.setToken(second)
	writeToken(t, tokenFile, second)
	s.enqueue(t, evs[1])
	if diff := cmp.Diff(allResults(evs[1:2], ResultDelivered), s.done.wait(t, 1)); diff != "" {
		t.Errorf("results (-want, +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{first, second}, recv.received()); diff != "" {
		t.Errorf("tokens received (-want, +got):\n%s", diff)
	}

	// A token the receiver refuses is a permanent reject (401), logged
	// without the token.
	recv.setToken("something-else")
	s.enqueue(t, evs[2])
	if diff := cmp.Diff(allResults(evs[2:], ResultRejected), s.done.wait(t, 1)); diff != "" {
		t.Errorf("results (-want, +got):\n%s", diff)
	}
	assertLogsHide(t, s, first, second, "qu3ry-secret")
}

// TestSenderUntrustedCertificate: without the CA the handshake fails; the
// event is retried, never sent in clear, and logs hide the URL's secrets.
func TestSenderUntrustedCertificate(t *testing.T) {
	recv := newTLSReceiver(t, "tok")
	u, _ := url.Parse(recv.srv.URL)
	u.User = url.UserPassword("audit", "pa55word")
	u.RawQuery = "sig=qu3ry-secret"
	s := newTestSender(t, u.String(), FormatDataStorage)
	s.run(t)
	s.enqueue(t, manyEvents(t, 1)...)
	waitFor(t, func() bool { return s.metrics.get(ResultRetried) >= 2 })
	s.done.none(t)
	if n := len(recv.received()); n != 0 {
		t.Errorf("%d requests reached the receiver without a verified certificate", n)
	}
	warn := s.logs.FilterMessage("audit sink unavailable, retrying").All()
	if len(warn) == 0 || !strings.Contains(fmt.Sprint(warn[0].ContextMap()), "certificate") {
		t.Errorf("retry log %v does not give the certificate error", warn)
	}
	assertLogsHide(t, s, "pa55word", "qu3ry-secret")
}

func assertLogsHide(t *testing.T, s *testSender, secrets ...string) {
	t.Helper()
	for _, e := range s.logs.AllUntimed() {
		line := fmt.Sprint(e.Message, e.ContextMap())
		for _, secret := range secrets {
			if strings.Contains(line, secret) {
				t.Errorf("log line reveals %q: %s", secret, line)
			}
		}
	}
	if s.logs.FilterLevelExact(zapcore.InfoLevel).FilterMessage("audit enabled").Len() != 1 {
		t.Error(`no "audit enabled" log line`)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(end) {
			t.Fatal("condition not met before the deadline")
		}
		<-tick.C
	}
}

func TestNewSenderCredentials(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"token over http", Config{URL: "http://audit.example", TokenFile: "/tok"}, "requires an https"},
		{"CA file without a certificate", Config{URL: "https://audit.example", CAFile: notPEM}, "no PEM certificate"},
		{"missing CA file", Config{URL: "https://audit.example", CAFile: filepath.Join(dir, "absent")}, "audit-ca-file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSender(tc.cfg, zap.NewNop().Sugar())
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("NewSender() = %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestTokenFile(t *testing.T) {
	dir := t.TempDir()
	f := &tokenFile{path: filepath.Join(dir, "token")}
	if _, err := f.get(); err == nil {
		t.Error("get() of a missing file = nil error")
	}
	writeToken(t, f.path, "  ")
	if _, err := f.get(); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("get() of an empty file = %v, want an error saying it is empty", err)
	}
	writeToken(t, f.path, "abc")
	if got, err := f.get(); err != nil || got != "abc" {
		t.Errorf("get() = %q, %v, want abc", got, err)
	}
	if got := f.scrub("echo: Bearer abc"); got != "echo: Bearer "+redact.Marker {
		t.Errorf("scrub() = %q", got)
	}
}
