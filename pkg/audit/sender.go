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
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/redact"
)

// Format is the wire format of the audit sink.
type Format string

const (
	// FormatDataStorage POSTs batches of events as a JSON array to
	// {url}/api/v1/audit/events/batch.
	FormatDataStorage Format = config.AuditFormatDataStorage
	// FormatCloudEvents POSTs each event as a CloudEvent 1.0 (HTTP binary
	// mode) to the URL.
	FormatCloudEvents Format = config.AuditFormatCloudEvents
)

// Defaults of the Config fields left zero (the buffer's is
// config.DefaultAuditBufferSize).
const (
	DefaultBatchSize      = 50
	DefaultInitialBackoff = 100 * time.Millisecond
	DefaultMaxBackoff     = 30 * time.Second
	DefaultRequestTimeout = 10 * time.Second
)

// Results of a delivery attempt, as counted by Metrics and, for
// ResultDelivered and ResultRejected, reported to the Callback.
const (
	// ResultDelivered: the sink accepted the event (2xx).
	ResultDelivered = "delivered"
	// ResultRetried: the sink could not take the event yet (404, 408, 409,
	// 429, 5xx, a network error, or an unreadable token file); the event is
	// sent again after a backoff, as the Knative/CloudEvents data plane
	// retries.
	ResultRetried = "retried"
	// ResultRejected: the sink refused the event for good (any other non-2xx
	// status, e.g. 400, 401, 403, 413).
	ResultRejected = "rejected"
	// ResultDropped: the event was given up undelivered (Drop, or Drain's
	// deadline).
	ResultDropped = "dropped"
)

// ErrBufferFull is returned by Enqueue when the buffer holds BufferSize
// events. Nothing waits: the caller enqueues the event again later.
var ErrBufferFull = errors.New("audit buffer is full")

// Metrics counts events by result. Implementations must be safe for
// concurrent use and must not block.
type Metrics interface {
	EventSent(result string, n int)
}

// Callback is told the final outcome of an enqueued event, once:
// ResultDelivered or ResultRejected. It runs on the Sender's worker and must
// not block (enqueueing a key in a workqueue is the intended use).
type Callback func(ev Event, result string)

// Config configures a Sender. Zero values take the defaults.
type Config struct {
	// URL of the audit sink. Empty disables audit.
	URL string
	// Format of the sink; empty means FormatDataStorage.
	Format Format
	// BufferSize bounds the events held, queued or in flight.
	BufferSize int
	// BatchSize bounds the events sent together: in one request for
	// FormatDataStorage, in concurrent requests for FormatCloudEvents.
	BatchSize int
	// InitialBackoff is the first delay before a retry; it doubles on each
	// retry of the same batch, with jitter, up to MaxBackoff.
	InitialBackoff time.Duration
	// MaxBackoff caps the delay between retries, including a delay asked
	// for by a Retry-After header.
	MaxBackoff time.Duration
	// HTTPClient sends the requests. The default has a DefaultRequestTimeout
	// timeout and trusts CAFile.
	HTTPClient *http.Client
	// TokenFile, when set, holds the bearer token sent in the Authorization
	// header of every request; the file is read again when it changes. It
	// requires an https URL.
	TokenFile string
	// CAFile, when set, holds PEM CA certificates trusted, besides the
	// system roots, to verify the sink's certificate (default client only).
	CAFile string
	// Metrics, when set, counts events by result.
	Metrics Metrics
}

// Sender delivers audit events to the sink in the background, at least once.
// A nil *Sender is valid: audit is disabled and every method is a no-op.
type Sender struct {
	format         Format
	endpoint       string
	client         *http.Client
	batchSize      int
	bufferSize     int
	initialBackoff time.Duration
	maxBackoff     time.Duration
	metrics        Metrics
	logger         *zap.SugaredLogger
	token          *tokenFile // nil: no Authorization header
	redacted       string     // the endpoint as logs and errors show it

	mu      sync.Mutex
	queue   []*item          // waiting to be sent, oldest first
	pending map[string]*item // queued or in flight, by event id
	changed chan struct{}    // closed and replaced whenever the queue or pending change
}

type item struct {
	ev   Event
	data []byte // ev as JSON
	done Callback
	// dropped marks an item in flight that Drop gave up: it is not retried.
	dropped bool
}

// NewSender returns a Sender for cfg. When cfg.URL is empty it logs
// "audit disabled: audit-sink-url is empty" and returns nil, nil: a nil
// *Sender is a valid, disabled Sender. Start its worker with Run.
func NewSender(cfg Config, logger *zap.SugaredLogger) (*Sender, error) {
	if cfg.URL == "" {
		logger.Info("audit disabled: audit-sink-url is empty")
		return nil, nil
	}
	u, err := config.ParseAuditSinkURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("invalid %s: %w", config.AuditSinkURLKey, err)
	}
	format := cmp.Or(cfg.Format, FormatDataStorage)
	if _, err := config.ValidAuditFormat(string(format)); err != nil {
		return nil, fmt.Errorf("invalid %s: %w", config.AuditFormatKey, err)
	}
	if cfg.TokenFile != "" && u.Scheme != "https" {
		return nil, errors.New("audit-token-file requires an https audit-sink-url: the token is never sent in clear text")
	}
	s := &Sender{
		format:         format,
		endpoint:       u.String(),
		client:         cfg.HTTPClient,
		batchSize:      positive(cfg.BatchSize, DefaultBatchSize),
		bufferSize:     positive(cfg.BufferSize, config.DefaultAuditBufferSize),
		initialBackoff: positive(cfg.InitialBackoff, DefaultInitialBackoff),
		maxBackoff:     positive(cfg.MaxBackoff, DefaultMaxBackoff),
		metrics:        cfg.Metrics,
		logger:         logger.Named("audit"),
		pending:        make(map[string]*item),
		changed:        make(chan struct{}),
	}
	if format == FormatDataStorage {
		s.endpoint = u.JoinPath(dataStoragePath).String()
	}
	if cfg.TokenFile != "" {
		s.token = &tokenFile{path: cfg.TokenFile}
	}
	s.redacted = redact.URL(s.endpoint)
	if s.client == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = s.batchSize
		if cfg.CAFile != "" {
			if t.TLSClientConfig, err = tlsConfig(cfg.CAFile); err != nil {
				return nil, err
			}
		}
		s.client = &http.Client{Transport: t, Timeout: DefaultRequestTimeout}
	}
	s.logger.Infow("audit enabled", "url", s.redacted, "format", format, "bufferSize", s.bufferSize,
		"tokenFile", cfg.TokenFile, "caFile", cfg.CAFile)
	return s, nil
}

func positive[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// Enabled reports whether audit is enabled, i.e. s is not nil.
func (s *Sender) Enabled() bool {
	return s != nil
}

// Enqueue queues ev for delivery without blocking and calls done (which may
// be nil) with its final outcome. An event whose id is already queued or in
// flight is not queued again (nil is returned; only the first callback is
// kept). When the buffer is full it returns ErrBufferFull.
func (s *Sender) Enqueue(ev Event, done Callback) error {
	if s == nil {
		return nil
	}
	data, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encoding audit event %s: %w", ev.EventID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.pending[ev.EventID]; ok {
		return nil
	}
	if len(s.pending) >= s.bufferSize {
		return ErrBufferFull
	}
	it := &item{ev: ev, data: data, done: done}
	s.pending[ev.EventID] = it
	s.queue = append(s.queue, it)
	s.notifyLocked()
	return nil
}

// Drop gives up the event with the given id, counting it ResultDropped
// without calling its callback: at once when it is queued, after the current
// attempt when it is in flight (if that attempt delivers it, it counts as
// delivered). It reports whether the event was pending.
func (s *Sender) Drop(id string) bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	it, ok := s.pending[id]
	if !ok {
		s.mu.Unlock()
		return false
	}
	i := slices.Index(s.queue, it)
	if i < 0 {
		it.dropped = true
		s.mu.Unlock()
		return true
	}
	s.queue = slices.Delete(s.queue, i, i+1)
	delete(s.pending, id)
	s.notifyLocked()
	s.mu.Unlock()
	s.count(ResultDropped, 1)
	return true
}

// Pending returns the number of events queued or in flight.
func (s *Sender) Pending() int {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// Run delivers queued events until ctx is done. Events in flight when ctx
// ends go back to the queue, for Drain or a later Run.
func (s *Sender) Run(ctx context.Context) {
	if s == nil {
		return
	}
	for ctx.Err() == nil {
		batch, _, changed := s.take()
		if len(batch) == 0 {
			select {
			case <-ctx.Done():
			case <-changed:
			}
			continue
		}
		s.deliver(ctx, batch)
	}
}

// Drain delivers what is pending until nothing is left, or until ctx is done
// (set its deadline to the drain timeout). Call it on shutdown, after the
// context of Run is cancelled. When ctx ends first it counts the events left
// as ResultDropped, logs their number and returns an error; they are not
// lost, as the status of their executions does not record them delivered.
func (s *Sender) Drain(ctx context.Context) error {
	if s == nil {
		return nil
	}
	for ctx.Err() == nil {
		batch, pending, changed := s.take()
		switch {
		case len(batch) > 0:
			s.deliver(ctx, batch)
		case pending == 0:
			return nil
		default: // in flight on Run's worker
			select {
			case <-ctx.Done():
			case <-changed:
			}
		}
	}
	n := s.Pending()
	if n == 0 {
		return nil
	}
	s.count(ResultDropped, n)
	s.logger.Warnw("audit events left undelivered at shutdown; they are sent again after restart", "events", n)
	return fmt.Errorf("draining audit events: %d left undelivered: %w", n, ctx.Err())
}

// take moves up to batchSize queued events in flight. It also returns the
// number of pending events and the channel closed on the next change.
func (s *Sender) take() ([]*item, int, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := min(len(s.queue), s.batchSize)
	batch := slices.Clone(s.queue[:n])
	clear(s.queue[:n])
	s.queue = s.queue[n:]
	return batch, len(s.pending), s.changed
}

// deliver sends batch until every event in it is delivered, rejected or
// dropped, or until ctx is done, which puts the rest back in the queue.
func (s *Sender) deliver(ctx context.Context, batch []*item) {
	perEvent := s.format == FormatCloudEvents
	for attempt := 0; ; {
		outs := s.send(ctx, batch, perEvent)
		if !perEvent && len(batch) > 1 && outs[0].rejected() {
			// One bad event must not sink the others: send each on its own.
			s.logger.Debugw("audit sink rejected a batch, sending its events one by one",
				"events", len(batch), "status", outs[0].status)
			perEvent = true
			continue
		}
		var delivered, rejected, retry []*item
		var retryAfter time.Duration
		var cause outcome
		for i, o := range outs {
			switch {
			case o.delivered():
				delivered = append(delivered, batch[i])
			case o.rejected():
				rejected = append(rejected, batch[i])
				s.logReject(batch[i].ev, o)
			default:
				retry = append(retry, batch[i])
				retryAfter = max(retryAfter, o.retryAfter)
				cause = o
			}
		}
		s.settle(delivered, ResultDelivered)
		s.settle(rejected, ResultRejected)
		retry = s.live(retry)
		if len(retry) == 0 {
			if attempt > 0 {
				s.logger.Infow("audit sink recovered", "attempts", attempt+1)
			}
			return
		}
		if ctx.Err() != nil {
			s.requeue(retry)
			return
		}
		delay := s.backoff(attempt, retryAfter)
		s.count(ResultRetried, len(retry))
		log := s.logger.Debugw
		if attempt == 0 {
			log = s.logger.Warnw
		}
		log("audit sink unavailable, retrying", append(cause.logFields(),
			"events", len(retry), "attempt", attempt+1, "delay", delay)...)
		attempt++
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			s.requeue(retry)
			return
		case <-timer.C:
		}
		batch = retry
	}
}

// backoff is the delay before retry number attempt+1: InitialBackoff doubled
// attempt times, with jitter in [d/2, d], at least retryAfter, at most
// MaxBackoff.
func (s *Sender) backoff(attempt int, retryAfter time.Duration) time.Duration {
	d := s.initialBackoff
	for range attempt {
		if d >= s.maxBackoff {
			break
		}
		d *= 2
	}
	d = min(d, s.maxBackoff)
	d = d/2 + rand.N(d/2+1)
	return min(max(d, retryAfter), s.maxBackoff)
}

// settle counts delivered or rejected items, calls their callbacks, and
// only then forgets them: until the callback has recorded the outcome, an
// Enqueue of the same event is still deduplicated against the pending one
// (forgetting first let a concurrent reconcile send it a second time).
func (s *Sender) settle(items []*item, result string) {
	if len(items) == 0 {
		return
	}
	s.count(result, len(items))
	for _, it := range items {
		if it.done != nil {
			it.done(it.ev, result)
		}
	}
	s.mu.Lock()
	for _, it := range items {
		delete(s.pending, it.ev.EventID)
	}
	s.notifyLocked()
	s.mu.Unlock()
}

// live returns the items not dropped, forgetting and counting the others.
func (s *Sender) live(items []*item) []*item {
	s.mu.Lock()
	n := len(items)
	items = slices.DeleteFunc(items, func(it *item) bool {
		if it.dropped {
			delete(s.pending, it.ev.EventID)
		}
		return it.dropped
	})
	dropped := n - len(items)
	if dropped > 0 {
		s.notifyLocked()
	}
	s.mu.Unlock()
	if dropped > 0 {
		s.count(ResultDropped, dropped)
	}
	return items
}

// requeue puts items in flight back at the head of the queue.
func (s *Sender) requeue(items []*item) {
	items = s.live(items)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(items, s.queue...)
	s.notifyLocked()
}

func (s *Sender) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Sender) count(result string, n int) {
	if s.metrics != nil && n > 0 {
		s.metrics.EventSent(result, n)
	}
}

func (s *Sender) logReject(ev Event, o outcome) {
	s.logger.Errorw("audit sink rejected event, not retrying", append(o.logFields(),
		"eventId", ev.EventID, "eventType", string(ev.EventType), "resource", ev.ResourceID)...)
}
