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

package reliability

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

// The informer-based checker of test/framework can miss a PipelineRun
// created and deleted while its watch is down (a kube-apiserver restart
// forces a relist), and would then report the execution that ran it as
// Running without owning it. The history checker sees every write: it
// watches etcd itself, from revision 1, through etcd's JSON gateway
// (POST /v3/watch), and feeds a framework.Checker with each revision in
// order. It is the authority on the invariant; the informer checker runs
// alongside.

const (
	runsPrefix = "/registry/tekton.dev/pipelineruns/" + rig.ExecutionNamespace + "/"
	wfesPrefix = "/registry/workflowexecution.kubernaut.ai/workflowexecutions/"
)

type history struct {
	checker *framework.Checker
	etcd    string
	client  *http.Client
	events  atomic.Int64
	stop    context.CancelFunc
	wg      sync.WaitGroup

	mu   sync.Mutex
	errs []string
	// The framework checker records the first time an execution is seen
	// Running; the history also checks every later entry into Running (an
	// execution may not fall back to Running once its run is gone) and
	// that a terminal state is never changed.
	runs    map[string][]*runLife // "name/owner-uid" -> lifetimes
	wfeLast map[string]*wfeState  // execution uid -> last state seen
	entries []runningEntry
	regress []string
}

type runLife struct{ created, finished, deleted int64 }

func (l *runLife) String() string {
	s := fmt.Sprintf("created at revision %d", l.created)
	if l.finished != 0 {
		s += fmt.Sprintf(", finished at %d", l.finished)
	}
	if l.deleted != 0 {
		s += fmt.Sprintf(", deleted at %d", l.deleted)
	}
	return s
}

type wfeState struct {
	key, phase, state string
	terminal, ran     bool
}

type runningEntry struct {
	key, uid, run string
	rev           int64
	// reentry: the execution had been Running before and left it.
	reentry bool
}

func (s *suite) startHistory() *history {
	s.t.Helper()
	url, err := s.cluster.EtcdURL()
	if err != nil {
		s.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &history{checker: framework.NewChecker(), etcd: url, client: &http.Client{}, stop: cancel,
		runs: map[string][]*runLife{}, wfeLast: map[string]*wfeState{}}
	for _, prefix := range []string{runsPrefix, wfesPrefix} {
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			h.watch(ctx, prefix)
		}()
	}
	s.t.Cleanup(h.Stop)
	return h
}

// Stop ends the watches.
func (h *history) Stop() {
	h.stop()
	h.wg.Wait()
}

// Problems returns what went wrong with the watches (a gap would make the
// history incomplete).
func (h *history) Problems() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.errs...)
}

func (h *history) problem(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.errs = append(h.errs, fmt.Sprintf(format, args...))
}

// watch streams every revision under prefix from revision 1, resuming
// after the last one seen when the stream breaks.
func (h *history) watch(ctx context.Context, prefix string) {
	next := int64(1)
	for ctx.Err() == nil {
		last, err := h.watchOnce(ctx, prefix, next)
		if last >= next {
			next = last + 1
		}
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, errCompacted) {
			h.problem("etcd history of %s: %v", prefix, err)
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

var errCompacted = errors.New("revision compacted: the history has a gap")

type watchResponse struct {
	Result struct {
		Created         bool   `json:"created"`
		Canceled        bool   `json:"canceled"`
		CompactRevision string `json:"compact_revision"`
		CancelReason    string `json:"cancel_reason"`
		Events          []struct {
			Type   string `json:"type"`
			KV     kv     `json:"kv"`
			PrevKV *kv    `json:"prev_kv"`
		} `json:"events"`
	} `json:"result"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

type kv struct {
	Key         string `json:"key"`
	ModRevision string `json:"mod_revision"`
	Value       string `json:"value"`
}

func (h *history) watchOnce(ctx context.Context, prefix string, from int64) (int64, error) {
	end := []byte(prefix)
	end[len(end)-1]++
	body, _ := json.Marshal(map[string]any{"create_request": map[string]any{
		"key":            base64.StdEncoding.EncodeToString([]byte(prefix)),
		"range_end":      base64.StdEncoding.EncodeToString(end),
		"start_revision": strconv.FormatInt(from, 10),
		"prev_kv":        true,
	}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.etcd+"/v3/watch", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return 0, fmt.Errorf("etcd watch: %s: %s", resp.Status, b)
	}
	dec := json.NewDecoder(bufio.NewReader(resp.Body))
	last := int64(0)
	for {
		var wr watchResponse
		if err := dec.Decode(&wr); err != nil {
			return last, err
		}
		if wr.Error != nil {
			return last, fmt.Errorf("etcd watch: %s", wr.Error.Message)
		}
		if wr.Result.CompactRevision != "" && wr.Result.CompactRevision != "0" {
			return last, fmt.Errorf("%w (compacted at %s)", errCompacted, wr.Result.CompactRevision)
		}
		if wr.Result.Canceled {
			return last, fmt.Errorf("etcd watch canceled: %s", wr.Result.CancelReason)
		}
		for _, ev := range wr.Result.Events {
			rev, _ := strconv.ParseInt(ev.KV.ModRevision, 10, 64)
			deleted := ev.Type == "DELETE"
			value := ev.KV.Value
			if deleted {
				if ev.PrevKV == nil {
					h.problem("etcd history: deletion of %s at revision %d without its previous value", decodeKey(ev.KV.Key), rev)
					continue
				}
				value = ev.PrevKV.Value
			}
			h.observe(prefix, value, rev, deleted)
			h.events.Add(1)
			last = max(last, rev)
		}
	}
}

func decodeKey(k string) string {
	b, _ := base64.StdEncoding.DecodeString(k)
	return string(b)
}

// observe feeds one revision to the checker. A deletion is passed as the
// last state at revision-1, so that the checker dates it at revision.
func (h *history) observe(prefix, value string, rev int64, deleted bool) {
	raw, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		h.problem("etcd history: undecodable value at revision %d: %v", rev, err)
		return
	}
	rv := rev
	if deleted {
		rv = rev - 1
	}
	switch prefix {
	case runsPrefix:
		pr := &pipelinev1.PipelineRun{}
		if err := json.Unmarshal(raw, pr); err != nil {
			h.problem("etcd history: PipelineRun at revision %d: %v", rev, err)
			return
		}
		pr.ResourceVersion = strconv.FormatInt(rv, 10)
		h.checker.ObserveRun(pr, deleted)
		h.recordRun(pr, rev, deleted)
	case wfesPrefix:
		if deleted {
			return
		}
		w := &v1alpha1.WorkflowExecution{}
		if err := json.Unmarshal(raw, w); err != nil {
			h.problem("etcd history: WorkflowExecution at revision %d: %v", rev, err)
			return
		}
		w.ResourceVersion = strconv.FormatInt(rv, 10)
		h.checker.ObserveWFE(w)
		h.recordWFE(w, rev)
	}
}

func (h *history) recordRun(pr *pipelinev1.PipelineRun, rev int64, deleted bool) {
	key := pr.Name + "/" + pr.Annotations[workflowexecution.WorkflowExecutionUIDAnnotationKey]
	h.mu.Lock()
	defer h.mu.Unlock()
	lives := h.runs[key]
	var cur *runLife
	if n := len(lives); n > 0 && lives[n-1].deleted == 0 {
		cur = lives[n-1]
	}
	if cur == nil {
		cur = &runLife{created: rev}
		h.runs[key] = append(lives, cur)
	}
	if cur.finished == 0 && !deleted && pr.IsDone() {
		cur.finished = rev
	}
	if deleted {
		cur.deleted = rev
	}
}

func (h *history) recordWFE(w *v1alpha1.WorkflowExecution, rev int64) {
	key := w.Namespace + "/" + w.Name
	uid := string(w.UID)
	state := string(w.Status.Phase)
	if c := w.Status.GetSucceededCondition(); c != nil {
		state = fmt.Sprintf("%s/%s/%s", w.Status.Phase, c.Status, c.Reason)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	last := h.wfeLast[uid]
	if last != nil && last.terminal && last.state != state {
		h.regress = append(h.regress, fmt.Sprintf("%s: terminal %s became %s at revision %d", key, last.state, state, rev))
	}
	if w.Status.Phase == v1alpha1.PhaseRunning && (last == nil || last.phase != string(v1alpha1.PhaseRunning)) {
		run := ""
		if w.Status.PipelineRunRef != nil {
			run = w.Status.PipelineRunRef.Name
		}
		reentry := last != nil && last.ran
		h.entries = append(h.entries, runningEntry{key: key, uid: uid, run: run, rev: rev, reentry: reentry})
	}
	ran := w.Status.Phase == v1alpha1.PhaseRunning || (last != nil && last.ran)
	h.wfeLast[uid] = &wfeState{key: key, phase: string(w.Status.Phase), state: state, terminal: w.Status.IsDone(), ran: ran}
}

// Findings returns, from the exact history, every change of a terminal
// state and every entry into Running without an owned PipelineRun created
// before it; an execution that falls back to Running after leaving it
// must moreover own a run alive at that revision. (A first entry may land
// just after someone deleted the run the controller had just created: the
// next reconcile fails the execution, which is the specified behaviour.)
func (h *history) Findings() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := append([]string(nil), h.regress...)
	for _, e := range h.entries {
		created, alive := false, false
		for _, l := range h.runs[e.run+"/"+e.uid] {
			if l.created <= e.rev {
				created = true
				alive = alive || l.deleted == 0 || l.deleted > e.rev
			}
		}
		switch {
		case !created && e.run == "":
			out = append(out, fmt.Sprintf("%s entered Running at revision %d without a pipelineRunRef", e.key, e.rev))
		case !created:
			out = append(out, fmt.Sprintf("%s entered Running at revision %d without owning a PipelineRun %q created before", e.key, e.rev, e.run))
		case e.reentry && !alive:
			out = append(out, fmt.Sprintf("%s fell back to Running at revision %d while its PipelineRun %q no longer existed", e.key, e.rev, e.run))
		}
	}
	// Each execution runs its workflow at most once: one PipelineRun.
	perOwner := map[string][]string{}
	for key, lives := range h.runs {
		name, uid, _ := strings.Cut(key, "/")
		for _, l := range lives {
			perOwner[uid] = append(perOwner[uid], fmt.Sprintf("%s %s", name, l))
		}
	}
	for uid, runs := range perOwner {
		if len(runs) > 1 && uid != "" {
			owner := uid
			if w := h.wfeLast[uid]; w != nil {
				owner = w.key
			}
			sort.Strings(runs)
			out = append(out, fmt.Sprintf("%s had %d PipelineRuns (its workflow ran more than once): %s", owner, len(runs), strings.Join(runs, ", ")))
		}
	}
	return out
}
