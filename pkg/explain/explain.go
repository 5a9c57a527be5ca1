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

package explain

import (
	"fmt"
	"io"
	"strings"

	"github.com/tektoncd/pipeline/pkg/apis/pipeline"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/safetext"
)

// recommendations by failure reason; docs/troubleshooting.md has the long form.
var recommendations = map[v1alpha1.FailureReason]string{
	v1alpha1.FailureReasonTaskFailed:         "a step of the workflow exited non-zero: read its logs, fix the workflow or the target, then create a new execution",
	v1alpha1.FailureReasonOOMKilled:          "a step ran out of memory: raise the step's memory limit in the workflow bundle",
	v1alpha1.FailureReasonDeadlineExceeded:   "the pipeline outlived its timeout: raise spec.executionConfig.timeout or find out what the slow step waits for",
	v1alpha1.FailureReasonForbidden:          "RBAC or admission refused: check the runner ServiceAccount's permissions (docs/operator-runbook.md, RBAC)",
	v1alpha1.FailureReasonResourceExhausted:  "a quota or the nodes' capacity is exhausted: free capacity or raise the quota, then retry",
	v1alpha1.FailureReasonConfigurationError: "the request, the bundle or the configuration is invalid: correct it and create a new execution (no cooldown applies when no run started)",
	v1alpha1.FailureReasonImagePullBackOff:   "a step image cannot be pulled: check the image name and the pull secrets of the runner ServiceAccount",
	v1alpha1.FailureReasonUnknown:            "see the message; docs/troubleshooting.md lists the known causes",
}

// Write prints the explanation of w to out.
func Write(out io.Writer, w *v1alpha1.WorkflowExecution) {
	fmt.Fprint(out, String(w))
}

// String is the explanation of w, one fact a line, each line indented by four spaces.
func String(w *v1alpha1.WorkflowExecution) string {
	var b strings.Builder
	// Every value is escaped: most are written by the execution's author.
	line := func(format string, args ...any) {
		for i, a := range args {
			args[i] = safetext.Escape(fmt.Sprint(a))
		}
		fmt.Fprintf(&b, "    "+format+"\n", args...)
	}
	phase := w.Status.Phase
	if phase == "" {
		phase = "not reconciled yet"
	}
	line("%s: workflow %s on %s, phase %s", w.Describe(), w.Spec.WorkflowRef.WorkflowID, w.Spec.TargetResource, phase)
	// A skip's condition message is its skip message: say it once.
	if c := w.Status.GetSucceededCondition(); c != nil && c.Message != "" && w.Status.SkipDetails == nil {
		line("condition Succeeded=%s %s: %s", c.Status, c.Reason, c.Message)
	}
	switch {
	case w.Status.FailureDetails != nil:
		fd := w.Status.FailureDetails
		line("failed: reason %s, task %s, step %s, exit code %s, workflow code ran: %v",
			fd.Reason, orDash(fd.FailedTaskName), orDash(fd.FailedStepName), exitCode(fd.ExitCode), fd.WasExecutionFailure)
		if fd.NaturalLanguageSummary != "" {
			line("%s", fd.NaturalLanguageSummary)
		} else if fd.Message != "" {
			line("%s", fd.Message)
		}
		// The controller's summary usually carries its own recommendation.
		if r, ok := recommendations[fd.Reason]; ok && !strings.Contains(fd.NaturalLanguageSummary, "Recommendation:") {
			line("recommendation: %s", r)
		}
	case w.Status.SkipDetails != nil:
		sd := w.Status.SkipDetails
		line("skipped: %s: %s", sd.Reason, sd.Message)
		if c := sd.ConflictingWorkflow; c != nil {
			line("held by %s (workflow %s)", join(c.Namespace, c.Name), orDash(c.WorkflowID))
			line("recommendation: wait for it to finish, then create a new execution; `kubectl wfe locks` shows every lock")
		}
		if r := sd.RecentRemediation; r != nil {
			line("the same workflow ended on the target recently: %s (%s), cooldown remaining %s",
				join(r.Namespace, r.Name), orDash(string(r.Outcome)), orDash(r.CooldownRemaining))
			line("recommendation: create a new execution after the cooldown, if it is still needed")
		}
	case w.Status.Phase == v1alpha1.PhaseRunning:
		if s := w.Status.PipelineRunStatus; s != nil {
			line("running: %s of %s tasks done", s.CompletedTasks, s.TotalTasks)
		}
	}
	if ref := w.Status.PipelineRunRef; ref != nil {
		if w.Status.LockReleaseTime != nil {
			line("lock released at %s: the run %s/%s and its logs are gone", w.Status.LockReleaseTime.UTC().Format("2006-01-02T15:04:05Z"), ref.Namespace, ref.Name)
		} else {
			line("logs: kubectl wfe logs -n %s %s (or kubectl logs -n %s -l %s=%s --all-containers --prefix)",
				w.Namespace, w.Name, ref.Namespace, pipeline.PipelineRunLabelKey, ref.Name)
		}
	}
	return b.String()
}

func exitCode(p *int32) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func join(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}
