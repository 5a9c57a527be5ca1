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
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/explain"
	"kubernaut.ai/workflowexecution/pkg/safetext"
)

func newWhyCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:               "why NAME",
		Short:             "Say why an execution failed or was skipped, what to do, and where the logs are",
		Example:           `  kubectl wfe why -n team-a restart-api`,
		Args:              exactArgs("NAME"),
		ValidArgsFunction: o.completeExecutions(1),
		RunE: o.runE(func(ctx context.Context, c *clients, args []string) error {
			w, err := getExecution(ctx, c, args[0])
			if err != nil {
				return err
			}
			explain.Write(o.streams.Out, w)
			return nil
		}),
	}
}

func newDescribeCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "describe NAME",
		Short: "Show an execution in detail: spec, conditions, failure or skip, lock, cooldown, run, events",
		Long: `Show one execution as kubectl describe does: its spec, status and conditions,
the failure or skip details, whether it holds its target's lock and the
cooldown left, its PipelineRun, what 'kubectl wfe why' says, and its recent
events.`,
		Example:           `  kubectl wfe describe -n team-a restart-api`,
		Args:              exactArgs("NAME"),
		ValidArgsFunction: o.completeExecutions(1),
		RunE: o.runE(func(ctx context.Context, c *clients, args []string) error {
			return describe(ctx, o.streams.Out, c, o.systemNamespace, args[0], o.now())
		}),
	}
}

func getExecution(ctx context.Context, c *clients, name string) (*v1alpha1.WorkflowExecution, error) {
	w, err := c.wfe.WorkflowexecutionV1alpha1().WorkflowExecutions(c.namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("WorkflowExecution %s/%s: %w", c.namespace, name, err)
	}
	return w, nil
}

// prefixWriter writes kubectl describe's indented "Label:\tvalue" lines.
// Every value is escaped for the terminal; labels are ours.
type prefixWriter struct{ tw *tabwriter.Writer }

func (p prefixWriter) line(level int, label string, value any) {
	fmt.Fprintf(p.tw, "%s%s:\t%s\n", strings.Repeat("  ", level), label, safetext.Escape(fmt.Sprint(value)))
}

func (p prefixWriter) section(level int, label string) {
	fmt.Fprintf(p.tw, "%s%s:\n", strings.Repeat("  ", level), label)
}

// cells writes one tab-separated row, each cell escaped.
func (p prefixWriter) cells(level int, cells ...string) {
	for i, c := range cells {
		cells[i] = safetext.Escape(c)
	}
	fmt.Fprintf(p.tw, "%s%s\n", strings.Repeat("  ", level), strings.Join(cells, "\t"))
}

func describe(ctx context.Context, out io.Writer, c *clients, systemNamespace, name string, now time.Time) error {
	w, err := getExecution(ctx, c, name)
	if err != nil {
		return err
	}
	events, eventsErr := executionEvents(ctx, c, w)
	cooldown := cooldownState(ctx, c, systemNamespace, w, now)

	p := prefixWriter{tw: tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)}
	p.line(0, "Name", w.Name)
	p.line(0, "Namespace", w.Namespace)
	p.line(0, "Labels", labelList(w.Labels))
	p.line(0, "Created", timeAndAge(now, &w.CreationTimestamp))
	describeSpec(p, w)
	describeStatus(p, w, cooldown, now)
	if fd := w.Status.FailureDetails; fd != nil {
		describeFailure(p, fd, now)
	}
	if sd := w.Status.SkipDetails; sd != nil {
		describeSkip(p, sd, now)
	}
	if err := p.tw.Flush(); err != nil {
		return err
	}
	// explain escapes what it prints.
	fmt.Fprintln(out, "Why:")
	for _, l := range strings.Split(strings.TrimRight(explain.String(w), "\n"), "\n") {
		fmt.Fprintf(out, "  %s\n", strings.TrimLeft(l, " "))
	}
	describeEvents(p, events, eventsErr, now)
	return p.tw.Flush()
}

func describeSpec(p prefixWriter, w *v1alpha1.WorkflowExecution) {
	s := w.Spec
	p.section(0, "Spec")
	p.line(1, "Workflow", s.WorkflowRef.WorkflowID)
	p.line(1, "Version", s.WorkflowRef.Version)
	bundle := s.WorkflowRef.ContainerImage
	if s.WorkflowRef.ContainerDigest != "" {
		bundle += "@" + s.WorkflowRef.ContainerDigest
	}
	p.line(1, "Bundle", bundle)
	p.line(1, "Target", s.TargetResource)
	if len(s.Parameters) == 0 {
		p.line(1, "Parameters", "<none>")
	} else {
		p.section(1, "Parameters")
		keys := make([]string, 0, len(s.Parameters))
		for k := range s.Parameters {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p.line(2, safetext.Escape(k), s.Parameters[k])
		}
	}
	timeout, sa := "<default>", "<default>"
	if ec := s.ExecutionConfig; ec != nil {
		if ec.Timeout != nil {
			timeout = ec.Timeout.Duration.String()
		}
		if ec.ServiceAccountName != "" {
			sa = ec.ServiceAccountName
		}
	}
	p.line(1, "Timeout", timeout)
	p.line(1, "Service Account", sa)
	if s.Confidence != nil {
		p.line(1, "Confidence", fmt.Sprintf("%.2f", *s.Confidence))
	}
	if s.Rationale != "" {
		p.line(1, "Rationale", s.Rationale)
	}
	if r := s.RemediationRequestRef; r != nil {
		p.line(1, "Remediation Request", fmt.Sprintf("%s %s", r.Kind, joinName(r.Namespace, r.Name)))
	}
}

func describeStatus(p prefixWriter, w *v1alpha1.WorkflowExecution, cooldown string, now time.Time) {
	st := w.Status
	p.section(0, "Status")
	phase := string(st.Phase)
	if phase == "" {
		phase = "<not reconciled yet>"
	}
	p.line(1, "Phase", phase)
	p.line(1, "Started", timeAndAge(now, st.StartTime))
	p.line(1, "Completed", timeAndAge(now, st.CompletionTime))
	p.line(1, "Duration", orNone(st.Duration))
	if len(st.Conditions) == 0 {
		p.line(1, "Conditions", "<none>")
	} else {
		p.section(1, "Conditions")
		p.cells(2, "Type", "Status", "Reason", "Last Transition", "Message")
		p.cells(2, "----", "------", "------", "---------------", "-------")
		for _, c := range st.Conditions {
			p.cells(2, string(c.Type), string(c.Status), orNone(c.Reason), c.LastTransitionTime.Inner.UTC().Format(time.RFC3339), c.Message)
		}
	}
	run := "<none>"
	if ref := st.PipelineRunRef; ref != nil {
		run = ref.Namespace + "/" + ref.Name
		if s := st.PipelineRunStatus; s != nil {
			run += fmt.Sprintf(" (Succeeded=%s %s, %d of %d tasks done)", orNone(s.Status), orNone(s.Reason), s.CompletedTasks, s.TotalTasks)
		}
	}
	p.line(1, "PipelineRun", run)
	if s := st.PipelineRunStatus; s != nil && s.Message != "" {
		p.line(1, "PipelineRun Message", s.Message)
	}
	var lockText string
	switch {
	case st.LockReleaseTime != nil:
		lockText = "released at " + st.LockReleaseTime.UTC().Format(time.RFC3339) + ": the run and its logs are gone"
	case st.PipelineRunRef != nil:
		lockText = "held on " + w.Spec.TargetResource + " by its run, since " + timeAndAge(now, st.StartTime)
	default:
		lockText = "not taken"
	}
	p.line(1, "Lock", lockText)
	p.line(1, "Cooldown", cooldown)
}

// cooldownState says how long the same workflow is held back on the target
// after w ended, while w's run keeps the lock.
func cooldownState(ctx context.Context, c *clients, systemNamespace string, w *v1alpha1.WorkflowExecution, now time.Time) string {
	st := w.Status
	switch {
	case !st.IsDone() || st.Phase == v1alpha1.PhaseSkipped || st.CompletionTime == nil:
		return "-"
	case st.PipelineRunRef == nil:
		return "none: no run started"
	case st.LockReleaseTime != nil:
		return "over (lock released)"
	}
	cfg, err := controllerConfig(ctx, c, systemNamespace)
	if err != nil {
		return "unknown: " + err.Error()
	}
	until := st.CompletionTime.Add(cfg.CooldownPeriod)
	if !until.After(now) {
		return fmt.Sprintf("over since %s (cooldown-period %s); the lock is released at the next pass", until.UTC().Format(time.RFC3339), cfg.CooldownPeriod)
	}
	return fmt.Sprintf("the same workflow is held back on the target until %s (%s left, cooldown-period %s)",
		until.UTC().Format(time.RFC3339), until.Sub(now).Round(time.Second), cfg.CooldownPeriod)
}

func describeFailure(p prefixWriter, fd *v1alpha1.FailureDetails, now time.Time) {
	p.section(0, "Failure")
	p.line(1, "Reason", fd.Reason)
	task := orNone(fd.FailedTaskName)
	if fd.FailedTaskIndex != nil {
		task += fmt.Sprintf(" (index %d)", *fd.FailedTaskIndex)
	}
	p.line(1, "Task", task)
	p.line(1, "Step", orNone(fd.FailedStepName))
	exit := "<none>"
	if fd.ExitCode != nil {
		exit = fmt.Sprint(*fd.ExitCode)
	}
	p.line(1, "Exit Code", exit)
	p.line(1, "Failed At", timeAndAge(now, fd.FailedAt))
	p.line(1, "Ran For", orNone(fd.ExecutionTimeBeforeFailure))
	p.line(1, "Workflow Code Ran", fd.WasExecutionFailure)
	p.line(1, "Message", orNone(fd.Message))
	p.line(1, "Summary", orNone(fd.NaturalLanguageSummary))
}

func describeSkip(p prefixWriter, sd *v1alpha1.SkipDetails, now time.Time) {
	p.section(0, "Skip")
	p.line(1, "Reason", sd.Reason)
	p.line(1, "Message", orNone(sd.Message))
	p.line(1, "Skipped At", timeAndAge(now, sd.SkippedAt))
	if c := sd.ConflictingWorkflow; c != nil {
		p.section(1, "Held By")
		p.line(2, "Execution", joinName(c.Namespace, c.Name))
		p.line(2, "Workflow", orNone(c.WorkflowID))
		p.line(2, "Target", orNone(c.TargetResource))
		p.line(2, "Started", timeAndAge(now, c.StartedAt))
	}
	if r := sd.RecentRemediation; r != nil {
		p.section(1, "Recent Remediation")
		p.line(2, "Execution", joinName(r.Namespace, r.Name))
		p.line(2, "Workflow", orNone(r.WorkflowID))
		p.line(2, "Target", orNone(r.TargetResource))
		p.line(2, "Outcome", orNone(string(r.Outcome)))
		p.line(2, "Completed", timeAndAge(now, r.CompletedAt))
		p.line(2, "Cooldown Remaining", orNone(r.CooldownRemaining))
	}
}

// executionEvents are w's events, oldest first.
func executionEvents(ctx context.Context, c *clients, w *v1alpha1.WorkflowExecution) ([]corev1.Event, error) {
	sel := fields.Set{"involvedObject.name": w.Name, "involvedObject.namespace": w.Namespace}
	if w.UID != "" {
		sel["involvedObject.uid"] = string(w.UID)
	}
	list, err := c.kube.CoreV1().Events(w.Namespace).List(ctx, metav1.ListOptions{FieldSelector: sel.AsSelector().String()})
	if err != nil {
		return nil, err
	}
	var events []corev1.Event
	for _, e := range list.Items {
		if e.InvolvedObject.Name == w.Name && (w.UID == "" || e.InvolvedObject.UID == w.UID) {
			events = append(events, e)
		}
	}
	sort.SliceStable(events, func(i, j int) bool { return eventTime(events[i]).Before(eventTime(events[j])) })
	return events, nil
}

func eventTime(e corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.CreationTimestamp.Time
}

func describeEvents(p prefixWriter, events []corev1.Event, err error, now time.Time) {
	switch {
	case err != nil:
		p.line(0, "Events", "unknown: "+err.Error())
		return
	case len(events) == 0:
		p.line(0, "Events", "<none>")
		return
	}
	p.section(0, "Events")
	p.cells(1, "Type", "Reason", "Age", "From", "Message")
	p.cells(1, "----", "------", "----", "----", "-------")
	for _, e := range events {
		t := metav1.NewTime(eventTime(e))
		age := ago(now, &t)
		if e.Count > 1 && !e.FirstTimestamp.IsZero() {
			age = fmt.Sprintf("%s (x%d over %s)", age, e.Count, ago(now, &e.FirstTimestamp))
		}
		from := e.Source.Component
		if from == "" {
			from = e.ReportingController
		}
		p.cells(1, e.Type, e.Reason, age, orNone(from), strings.TrimSpace(e.Message))
	}
}

func labelList(l map[string]string) string {
	if len(l) == 0 {
		return "<none>"
	}
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + l[k]
	}
	return strings.Join(parts, ",")
}

func timeAndAge(now time.Time, t *metav1.Time) string {
	if t == nil || t.IsZero() {
		return "<none>"
	}
	return fmt.Sprintf("%s (%s ago)", t.UTC().Format(time.RFC3339), ago(now, t))
}

func joinName(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}
