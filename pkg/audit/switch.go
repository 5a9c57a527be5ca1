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
	"context"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"
	"k8s.io/client-go/tools/cache"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
)

// Switch holds the Sender built from the current audit configuration and
// replaces it when the sink settings change. Its OnStore is the config
// store's on-store hook, as Tekton wires its metrics configuration:
//
//	sw := audit.NewSwitch(ctx, logger, metrics, resync)
//	store := config.NewStore(logger, sw.OnStore)
//
// A nil *Switch holds no Sender (audit disabled).
type Switch struct {
	ctx     context.Context
	logger  *zap.SugaredLogger
	metrics Metrics
	// replaced runs after a Sender was replaced: the events the old one
	// held are to be enqueued again from the executions' status.
	replaced func()

	mu      sync.Mutex // serialises the changes
	started bool
	latest  *config.WorkflowExecution // the last configuration stored
	current atomic.Pointer[running]
}

// running is one Sender, built from one configuration, and its worker.
type running struct {
	sender *Sender
	sink   sinkSettings
	stop   context.CancelFunc
	done   chan struct{}
}

// sinkSettings are the settings a Sender is built from.
type sinkSettings struct {
	url, format, tokenFile, caFile string
	buffer                         int
}

func sinkOf(cfg *config.WorkflowExecution) sinkSettings {
	return sinkSettings{url: cfg.AuditSinkURL, format: cfg.AuditFormat, tokenFile: cfg.AuditTokenFile,
		caFile: cfg.AuditCAFile, buffer: cfg.AuditBufferSize}
}

// NewSwitch returns a Switch whose Senders work until ctx is done. metrics
// and replaced may be nil.
func NewSwitch(ctx context.Context, logger *zap.SugaredLogger, metrics Metrics, replaced func()) *Switch {
	return &Switch{ctx: ctx, logger: logger, metrics: metrics, replaced: replaced}
}

// OnStore takes each configuration the config store accepts; once started,
// a change of the sink settings replaces the Sender.
func (s *Switch) OnStore(name string, value any) {
	cfg, ok := value.(*config.WorkflowExecution)
	if name != config.ConfigName || !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latest = cfg
	if s.started {
		s.apply(cfg)
	}
}

// StartWhenSynced builds the first Sender at once if a configuration was
// stored already (a static watcher delivers it on Watch), else once synced
// reports the informers synced. A ConfigMap informer first delivers a
// default (empty) ConfigMap, then the real one, and it has synced when the
// controllers' informers have: the first Sender, and its "audit disabled"
// line, reflect the real configuration.
func (s *Switch) StartWhenSynced(synced ...cache.InformerSynced) {
	s.mu.Lock()
	stored := s.latest != nil
	s.mu.Unlock()
	if stored {
		s.start()
		return
	}
	go func() {
		if cache.WaitForCacheSync(s.ctx.Done(), synced...) {
			s.start()
		}
	}()
}

func (s *Switch) start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		s.started = true
		s.apply(s.config())
	}
}

// config is the last configuration stored, or the defaults.
func (s *Switch) config() *config.WorkflowExecution {
	if s.latest == nil {
		return config.Defaults()
	}
	return s.latest
}

// apply replaces the Sender when the sink settings changed; the old one
// stops and drains in the background. s.mu is held.
func (s *Switch) apply(cfg *config.WorkflowExecution) {
	old := s.current.Load()
	if old != nil && old.sink == sinkOf(cfg) {
		return
	}
	s.current.Store(s.run(cfg))
	if old != nil {
		go old.close(context.Background(), cfg)
		if s.replaced != nil {
			s.replaced()
		}
	}
}

// run builds a Sender (a nil one, audit disabled, on a bad configuration)
// and starts its worker.
func (s *Switch) run(cfg *config.WorkflowExecution) *running {
	sender, err := NewSender(Config{
		URL:        cfg.AuditSinkURL,
		Format:     Format(cfg.AuditFormat),
		BufferSize: cfg.AuditBufferSize,
		Metrics:    s.metrics,
		TokenFile:  cfg.AuditTokenFile,
		CAFile:     cfg.AuditCAFile,
	}, s.logger)
	if err != nil {
		s.logger.Errorw("Audit disabled: bad audit configuration", zap.Error(err))
	}
	ctx, cancel := context.WithCancel(s.ctx)
	r := &running{sender: sender, sink: sinkOf(cfg), stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		sender.Run(ctx)
	}()
	return r
}

// close stops the worker, then delivers what it can within ctx and the
// audit-drain-timeout of cfg.
func (r *running) close(ctx context.Context, cfg *config.WorkflowExecution) error {
	r.stop()
	<-r.done
	ctx, cancel := context.WithTimeout(ctx, cfg.AuditDrainTimeout)
	defer cancel()
	return r.sender.Drain(ctx)
}

// Sender returns the current Sender, starting the Switch if it has not
// started yet. Call it from a reconcile only: a pass runs once the informers
// synced, and sharedmain starts the ConfigMap watcher before them, so the
// configuration is the real one. Without this, a pass that ran before the
// StartWhenSynced goroutine woke up would find no Sender and skip the
// events of an execution that has nothing left to change (a terminal one
// after a restart) until the next resync.
func (s *Switch) Sender() *Sender {
	if s == nil {
		return nil
	}
	if r := s.current.Load(); r != nil {
		return r.sender
	}
	s.start()
	return s.current.Load().sender
}

// Pending is the number of events the current Sender holds (0 before the
// start).
func (s *Switch) Pending() int64 {
	if r := s.current.Load(); r != nil {
		return int64(r.sender.Pending())
	}
	return 0
}

// Shutdown stops the current Sender and delivers what it holds within ctx
// and audit-drain-timeout; what is left is re-sent after the restart.
func (s *Switch) Shutdown(ctx context.Context) {
	r := s.current.Load()
	if r == nil {
		return
	}
	s.mu.Lock()
	cfg := s.config()
	s.mu.Unlock()
	if err := r.close(ctx, cfg); err != nil {
		s.logger.Warnw("Audit events left undelivered at shutdown; they are re-sent after restart", zap.Error(err))
	}
}
