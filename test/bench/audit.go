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
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	"kubernaut.ai/workflowexecution/pkg/target/targettest"
)

// The API server's audit log (-audit) shows, request by request, what the
// controller did for each execution: the evidence behind the per-verb counts.

// auditPolicy logs our resources at the Metadata level (no bodies).
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
  resources:
  - group: workflowexecution.kubernaut.ai
  - group: tekton.dev
  - group: ""
    resources: ["events"]
- level: None
`

// controllerUser is who the rig runs the controller as.
const controllerUser = "system:serviceaccount:kubernaut-system:workflowexecution-controller"

// auditArgs writes the policy into dir and returns the API server flags
// and the log's path.
func auditArgs(dir string) ([]string, string, error) {
	policy := filepath.Join(dir, "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(auditPolicy), 0o644); err != nil {
		return nil, "", err
	}
	log := filepath.Join(dir, "audit.log")
	return []string{
		"--audit-policy-file=" + policy,
		"--audit-log-path=" + log,
		"--audit-log-format=json",
		"--audit-log-maxsize=0",
	}, log, nil
}

// auditEvent is the part of an audit.k8s.io/v1 Event the report uses.
type auditEvent struct {
	Stage string `json:"stage"`
	Verb  string `json:"verb"`
	User  struct {
		Username string `json:"username"`
	} `json:"user"`
	ObjectRef *struct {
		Resource    string `json:"resource"`
		Namespace   string `json:"namespace"`
		Name        string `json:"name"`
		Subresource string `json:"subresource"`
	} `json:"objectRef"`
	ResponseStatus *struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
	Received time.Time `json:"requestReceivedTimestamp"`
	Done     time.Time `json:"stageTimestamp"`
}

// step renders a request for sequences: "update status 409".
func (e *auditEvent) step() string {
	r := e.ObjectRef.Resource
	if e.ObjectRef.Subresource != "" {
		r += "/" + e.ObjectRef.Subresource
	}
	code := 0
	if e.ResponseStatus != nil {
		code = e.ResponseStatus.Code
	}
	return fmt.Sprintf("%s %s %d", e.Verb, r, code)
}

// auditSummary is what the audit log says about one scenario.
type auditSummary struct {
	// sequences counts the controller's request sequences on each
	// execution (workflowexecutions requests plus those on the
	// execution's PipelineRun while the execution held it).
	sequences map[string]int
	// sample is the timeline of one execution.
	sample     []string
	sampleName string
}

// readAudit reads the controller's requests between from and to.
func readAudit(path string, from, to time.Time) ([]*auditEvent, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []*auditEvent
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			e := &auditEvent{}
			if json.Unmarshal(line, e) == nil && e.Stage == "ResponseComplete" && e.ObjectRef != nil &&
				e.User.Username == controllerUser && e.Verb != "watch" && e.Verb != "list" &&
				!e.Received.Before(from) && !e.Received.After(to) {
				out = append(out, e)
			}
		}
		if err == io.EOF {
			return out, nil
		} else if err != nil {
			return out, err
		}
	}
}

// summarizeAudit groups the controller's requests by execution. A
// PipelineRun request belongs to the execution that held the run's target
// at that time (from the harness's records).
func summarizeAudit(events []*auditEvent, t *tracker) *auditSummary {
	s := &auditSummary{sequences: map[string]int{}}
	type span struct {
		from, to time.Time
		wfe      string
	}
	t.mu.Lock()
	runs := map[string][]span{} // PipelineRun name -> holders
	var names []string
	for name, r := range t.recs {
		if r.createErr != nil || r.released.IsZero() {
			continue
		}
		names = append(names, name)
		// The harness's times trail the API server's by its watch delay,
		// and a target's next execution is created only after the previous
		// release was seen: a small slack keeps the spans apart.
		pr := prName(t.target(r.target))
		runs[pr] = append(runs[pr], span{r.created.Add(-20 * time.Millisecond), r.released.Add(20 * time.Millisecond), name})
	}
	t.mu.Unlock()
	sort.Strings(names)
	per := map[string][]*auditEvent{}
	for _, e := range events {
		switch e.ObjectRef.Resource {
		case "workflowexecutions":
			if e.ObjectRef.Namespace == t.ns {
				per[e.ObjectRef.Name] = append(per[e.ObjectRef.Name], e)
			}
		case "pipelineruns":
			for _, sp := range runs[e.ObjectRef.Name] {
				if !e.Received.Before(sp.from) && !e.Received.After(sp.to) {
					per[sp.wfe] = append(per[sp.wfe], e)
					break
				}
			}
		}
	}
	for _, name := range names {
		evs := per[name]
		sort.Slice(evs, func(i, j int) bool { return evs[i].Received.Before(evs[j].Received) })
		var steps []string
		for _, e := range evs {
			steps = append(steps, e.step())
		}
		s.sequences[strings.Join(steps, " → ")]++
	}
	// The sample: the middle execution, timed from its create.
	if len(names) > 0 {
		name := names[len(names)/2]
		t.mu.Lock()
		rec := t.recs[name]
		t.mu.Unlock()
		s.sampleName = name
		s.sample = append(s.sample, fmt.Sprintf("%8s  WFE created (harness)", "0"))
		marks := []struct {
			at   time.Time
			what string
		}{{rec.prSeen, "PipelineRun ADDED seen (harness)"}, {rec.prDone, "PipelineRun finished (stand-in)"},
			{rec.terminal, "WFE terminal seen (harness)"}, {rec.released, "lock release seen (harness)"}}
		lines := map[time.Time][]string{}
		var times []time.Time
		for _, m := range marks {
			if !m.at.IsZero() {
				lines[m.at] = append(lines[m.at], m.what)
				times = append(times, m.at)
			}
		}
		for _, e := range per[name] {
			txt := fmt.Sprintf("controller: %s (%.1f ms)", e.step(), float64(e.Done.Sub(e.Received))/float64(time.Millisecond))
			lines[e.Received] = append(lines[e.Received], txt)
			times = append(times, e.Received)
		}
		sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
		seen := map[time.Time]bool{}
		for _, at := range times {
			if seen[at] {
				continue
			}
			seen[at] = true
			for _, l := range lines[at] {
				s.sample = append(s.sample, fmt.Sprintf("%8s  %s", ms(at.Sub(rec.created)), l))
			}
		}
	}
	return s
}

// prName is the controller's PipelineRun name for a target.
func prName(target string) string {
	c, err := targettest.Canonical(target)
	if err != nil {
		return ""
	}
	return resources.PipelineRunName(c)
}

// auditTables prints the request sequences the audit log showed.
func (b *bench) auditTables(w io.Writer) {
	for _, r := range b.results {
		a := r.audit
		if a == nil || len(a.sequences) == 0 {
			continue
		}
		fmt.Fprintf(w, "## Audit log: the controller's requests per execution (%s)\n\n", r.sc.ID)
		type seq struct {
			s string
			n int
		}
		var seqs []seq
		for s, n := range a.sequences {
			seqs = append(seqs, seq{s, n})
		}
		sort.Slice(seqs, func(i, j int) bool { return seqs[i].n > seqs[j].n || (seqs[i].n == seqs[j].n && seqs[i].s < seqs[j].s) })
		t := &table{head: []string{"executions", "request sequence (workflowexecutions and the execution's PipelineRun; events not shown)"}}
		for i, s := range seqs {
			if i == 8 {
				t.add(fmt.Sprint(len(seqs)-8)+" more", "…")
				break
			}
			t.add(fmt.Sprint(s.n), s.s)
		}
		t.write(w)
		if len(a.sample) > 0 {
			fmt.Fprintf(w, "Timeline of %s (ms after its create returned; controller requests at the API server's receive time, with their server-side duration):\n\n```\n%s\n```\n\n", a.sampleName, strings.Join(a.sample, "\n"))
		}
	}
}
