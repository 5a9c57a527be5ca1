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
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"

	"kubernaut.ai/workflowexecution/pkg/redact"
)

// tokenFile is a bearer token kept in a file (a key of a mounted Secret).
// It is read again when the file changes, which a Secret update does by
// swapping a symlink: one stat per request, one read per change.
type tokenFile struct {
	path string

	mu    sync.Mutex
	info  os.FileInfo
	token string
}

// get returns the token, reading the file again if it changed. The error
// names the file, never its content.
func (f *tokenFile) get() (string, error) {
	info, err := os.Stat(f.path)
	if err != nil {
		return "", fmt.Errorf("reading the audit token file: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.info != nil && os.SameFile(f.info, info) && f.info.ModTime().Equal(info.ModTime()) && f.info.Size() == info.Size() {
		return f.token, nil
	}
	b, err := os.ReadFile(f.path)
	if err != nil {
		return "", fmt.Errorf("reading the audit token file: %w", err)
	}
	token := strings.TrimSpace(string(b))
	if token == "" {
		return "", fmt.Errorf("the audit token file %s is empty", f.path)
	}
	if strings.ContainsAny(token, "\r\n") {
		return "", fmt.Errorf("the audit token file %s holds more than one line", f.path)
	}
	f.info, f.token = info, token
	return token, nil
}

// scrub hides the token in s (e.g. a response body that echoes the request).
func (f *tokenFile) scrub(s string) string {
	if f == nil {
		return s
	}
	f.mu.Lock()
	token := f.token
	f.mu.Unlock()
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, redact.Marker)
}

// tlsConfig returns a TLS configuration that trusts the system roots and the
// PEM certificates in caFile.
func tlsConfig(caFile string) (*tls.Config, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("reading audit-ca-file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("audit-ca-file %s holds no PEM certificate", caFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// redactError replaces the URL that net/http puts in its errors (with the
// query, which may carry a secret) by the redacted one.
func redactError(err error, redacted string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: redacted, Err: ue.Err}
	}
	return err
}

// retryable reports whether a response status is worth sending again, as the
// Knative/CloudEvents data plane does: 404 (e.g. a broker not ready yet),
// 408, 409, 429 and every 5xx. Any other non-2xx is a permanent reject.
func retryable(status int) bool {
	switch status {
	case 404, 408, 409, 429:
		return true
	}
	return status >= 500
}
