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
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

const (
	// dataStoragePath is where the datastorage format POSTs, under the URL.
	dataStoragePath = "api/v1/audit/events/batch"
	// CorrelationIDExtension is the CloudEvents extension attribute that
	// carries the correlation id, for broker trigger filters.
	CorrelationIDExtension = "correlationid"

	userAgent = "workflowexecution-controller"
	// maxSnippet bounds the response body quoted in logs.
	maxSnippet = 256
	// maxDiscard bounds the response body read to reuse the connection.
	maxDiscard = 64 << 10
	// maxRetryAfter bounds a Retry-After value before it is capped by MaxBackoff.
	maxRetryAfter = 24 * time.Hour
)

// outcome is the result of one request.
type outcome struct {
	status     int   // HTTP status; 0 without a response
	err        error // no response: transport error, or invalid request
	invalid    bool  // the request could not be built: retrying cannot help
	retryAfter time.Duration
	snippet    string // start of the response body of a failed request
}

func (o outcome) delivered() bool {
	return o.err == nil && o.status >= 200 && o.status < 300
}

// rejected is a permanent refusal: an invalid request, or a status that is
// neither 2xx nor retryable (404, 408, 409, 429, 5xx).
func (o outcome) rejected() bool {
	if o.err != nil {
		return o.invalid
	}
	return !o.delivered() && !retryable(o.status)
}

func (o outcome) logFields() []any {
	if o.err != nil {
		return []any{"error", o.err}
	}
	return []any{"status", o.status, "response", o.snippet}
}

// send sends the items in one request, or, when perEvent, each in its own
// request, concurrently. It returns the outcome of each item.
func (s *Sender) send(ctx context.Context, items []*item, perEvent bool) []outcome {
	outs := make([]outcome, len(items))
	if !perEvent || len(items) == 1 {
		o := s.post(ctx, items)
		for i := range outs {
			outs[i] = o
		}
		return outs
	}
	var wg sync.WaitGroup
	for i := range items {
		wg.Go(func() { outs[i] = s.post(ctx, items[i:i+1]) })
	}
	wg.Wait()
	return outs
}

// post makes one request carrying items: a JSON array for the datastorage
// format, a single CloudEvent for the cloudevents format.
func (s *Sender) post(ctx context.Context, items []*item) outcome {
	var req *http.Request
	var err error
	if s.format == FormatCloudEvents {
		req, err = newCloudEventRequest(ctx, s.endpoint, items[0])
	} else {
		req, err = newDataStorageRequest(ctx, s.endpoint, items)
	}
	if err != nil {
		return outcome{err: err, invalid: true}
	}
	req.Header.Set("User-Agent", userAgent)
	if s.token != nil {
		token, err := s.token.get()
		if err != nil {
			return outcome{err: err} // retried: the Secret may be mounted late
		}
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return outcome{err: redactError(err, s.redacted)}
	}
	defer resp.Body.Close()
	o := outcome{status: resp.StatusCode}
	if !o.delivered() {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxSnippet))
		o.snippet = s.token.scrub(snippet(b))
		o.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDiscard))
	return o
}

func newDataStorageRequest(ctx context.Context, endpoint string, items []*item) (*http.Request, error) {
	var body bytes.Buffer
	body.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(it.data)
	}
	body.WriteByte(']')
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, &body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// newCloudEventRequest encodes it as a CloudEvent in HTTP binary mode: the
// attributes in ce-* headers, the Event JSON as the body.
func newCloudEventRequest(ctx context.Context, endpoint string, it *item) (*http.Request, error) {
	ce, err := CloudEvent(it.ev, it.data)
	if err != nil {
		return nil, err
	}
	return cehttp.NewHTTPRequestFromEvent(ctx, endpoint, ce)
}

// CloudEvent returns ev as a CloudEvent 1.0: id = event_id, type =
// event_type, source = the API path of the WorkflowExecution, subject =
// resource_id, time = event_timestamp, extension correlationid =
// correlation_id, data = data, the JSON form of ev (encoded when nil).
func CloudEvent(ev Event, data []byte) (event.Event, error) {
	if data == nil {
		var err error
		if data, err = json.Marshal(ev); err != nil {
			return event.Event{}, fmt.Errorf("encoding audit event %s: %w", ev.EventID, err)
		}
	}
	ce := event.New(event.CloudEventsVersionV1)
	ce.SetID(ev.EventID)
	ce.SetType(string(ev.EventType))
	ce.SetSource(Source(ev))
	ce.SetSubject(ev.ResourceID)
	ce.SetTime(ev.EventTimestamp)
	if ev.TraceParent != "" {
		// The CloudEvents distributed tracing extension.
		ce.SetExtension("traceparent", ev.TraceParent)
	}
	if ev.CorrelationID != "" {
		ce.SetExtension(CorrelationIDExtension, ev.CorrelationID)
	}
	if err := ce.SetData(event.ApplicationJSON, json.RawMessage(data)); err != nil {
		return event.Event{}, fmt.Errorf("encoding audit event %s: %w", ev.EventID, err)
	}
	if err := ce.Validate(); err != nil {
		return event.Event{}, fmt.Errorf("invalid cloudevent for audit event %s: %w", ev.EventID, err)
	}
	return ce, nil
}

// Source is the CloudEvents source of ev: the API path of its
// WorkflowExecution,
// /apis/workflowexecution.kubernaut.ai/v1alpha1/namespaces/NS/workflowexecutions/NAME.
func Source(ev Event) string {
	name := strings.TrimPrefix(ev.ResourceID, ev.Namespace+"/")
	return fmt.Sprintf("/apis/%s/namespaces/%s/workflowexecutions/%s",
		v1alpha1.SchemeGroupVersion.String(), ev.Namespace, name)
}

// parseRetryAfter parses a Retry-After header, in seconds or as an HTTP
// date; it returns 0 when absent or invalid.
func parseRetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(h, 10, 64); err == nil {
		return min(max(time.Duration(secs), 0), maxRetryAfter/time.Second) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter)
	}
	return 0
}

// snippet makes a response body fit on one log line.
func snippet(b []byte) string {
	return strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "?")), " ")
}
