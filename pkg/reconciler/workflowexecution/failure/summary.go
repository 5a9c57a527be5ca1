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

package failure

import (
	"fmt"
	"strings"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

// Caps on the identifiers quoted in a summary, so that the whole paragraph
// fits in maxSummaryLen with room for the fixed text.
const (
	maxWorkflowLen = 96
	maxTargetLen   = 128
	maxNameLen     = 63
	maxPodLen      = 96
	maxDurationLen = 32
)

// hints are what Analyze knows beyond FailureDetails, for a sharper summary.
type hints struct {
	// tektonReason is the Tekton reason behind the classification.
	tektonReason string
	prNamespace  string
	prName       string
	podNamespace string
	podName      string
	container    string
}

// Summary renders the natural-language paragraph of a failure Analyze
// classified; deterministic, <= 1000 chars, never includes parameter values.
// (Failures the controller detects itself use ControllerSummary.)
//
// The paragraph is built from identifiers only (workflow, target, task, step,
// exit code, duration, reason); d.Message is never quoted.
func Summary(workflowID, target string, d *v1alpha1.FailureDetails) string {
	return summary(workflowID, target, d, hints{})
}

// Recommendation returns the recommendation sentence for a reason.
func Recommendation(r v1alpha1.FailureReason) string {
	switch r {
	case v1alpha1.FailureReasonOOMKilled:
		return "Raise the memory limit of the failed step in the workflow's pipeline, or make the step use less memory, then run the workflow again."
	case v1alpha1.FailureReasonDeadlineExceeded:
		return "Raise spec.executionConfig.timeout if the workflow legitimately needs more time, or investigate why the task was slow or stuck."
	case v1alpha1.FailureReasonImagePullBackOff:
		return "Check the step image names and tags in the workflow's pipeline bundle and the image pull secrets of the runner ServiceAccount."
	case v1alpha1.FailureReasonResourceExhausted:
		return "Free resource quota in the execution namespace or node capacity in the cluster (or lower the steps' resource requests), then run the workflow again."
	case v1alpha1.FailureReasonForbidden:
		return "Grant the runner ServiceAccount the RBAC permissions the workflow needs, or fix the admission policy that denied the request."
	case v1alpha1.FailureReasonConfigurationError:
		return "Check the bundle reference (image and digest), the pipeline name in the bundle and the workflow parameters."
	case v1alpha1.FailureReasonTaskFailed:
		return "Inspect the failed step's logs to find out why it exited non-zero, fix the cause, then run the workflow again."
	default:
		return "Inspect the PipelineRun and its TaskRuns to find out why it failed."
	}
}

func summary(workflowID, target string, d *v1alpha1.FailureDetails, h hints) string {
	if d == nil {
		d = &v1alpha1.FailureDetails{Reason: v1alpha1.FailureReasonUnknown}
	}
	reason := d.Reason
	if reason == "" {
		reason = v1alpha1.FailureReasonUnknown
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Workflow %s on target %s failed", quote(workflowID, maxWorkflowLen), quote(target, maxTargetLen))
	if d.ExecutionTimeBeforeFailure != "" {
		fmt.Fprintf(&b, " after %s", clip(d.ExecutionTimeBeforeFailure, maxDurationLen))
	}
	fmt.Fprintf(&b, " (reason %s). ", quoteReason(string(reason)))
	b.WriteString(cause(reason, d, h))
	b.WriteString(" ")
	if d.WasExecutionFailure {
		b.WriteString("Workflow steps had started before the failure, so the target may have been partially changed. ")
	} else {
		b.WriteString("No workflow step had started. ")
	}
	b.WriteString("Recommendation: ")
	b.WriteString(Recommendation(reason))
	switch {
	case reason == v1alpha1.FailureReasonTaskFailed && h.podName != "":
		fmt.Fprintf(&b, " Logs: kubectl logs -n %s %s -c %s.",
			clip(h.podNamespace, maxNameLen), clip(h.podName, maxPodLen), clip(h.container, maxNameLen))
	case reason == v1alpha1.FailureReasonUnknown && h.prName != "":
		fmt.Fprintf(&b, " Details: kubectl describe pipelinerun -n %s %s.", clip(h.prNamespace, maxNameLen), clip(h.prName, maxNameLen))
	}
	return truncate(b.String(), maxSummaryLen)
}

// cause is the sentence that says what went wrong and where.
func cause(reason v1alpha1.FailureReason, d *v1alpha1.FailureDetails, h hints) string {
	where := location(d)
	tekton := ""
	if reasonWordRE.MatchString(h.tektonReason) {
		tekton = fmt.Sprintf(" (Tekton reason %s)", h.tektonReason)
	}
	switch reason {
	case v1alpha1.FailureReasonOOMKilled:
		return sentence(orDefault(where, "A step"), " was killed because it ran out of memory", exitCode(d), ".")
	case v1alpha1.FailureReasonDeadlineExceeded, v1alpha1.FailureReasonImagePullBackOff,
		v1alpha1.FailureReasonResourceExhausted, v1alpha1.FailureReasonForbidden:
		f := framed[reason]
		return around(where, f.without, f.before, f.after)
	case v1alpha1.FailureReasonConfigurationError:
		return around(where, sentence("The workflow's pipeline could not be resolved or validated", tekton, "."),
			"The workflow's configuration is invalid for ", tekton+".")
	case v1alpha1.FailureReasonTaskFailed:
		if d.ExitCode != nil {
			return sentence(orDefault(where, "A step"), fmt.Sprintf(" exited with code %d.", *d.ExitCode))
		}
		return sentence(orDefault(where, "A task"), " failed.")
	default:
		what := "The PipelineRun failed for a reason the controller could not classify"
		if cancelReasons.Has(h.tektonReason) {
			what = "The PipelineRun was cancelled"
		}
		if where == "" {
			return sentence(what, tekton, ".")
		}
		return sentence(what, tekton, " while ", where, " was running.")
	}
}

// location names the failed step and task: `step "s" of pipeline task "t" (index 1)`.
func location(d *v1alpha1.FailureDetails) string {
	task := ""
	if d.FailedTaskName != "" {
		task = "pipeline task " + quote(d.FailedTaskName, maxNameLen)
		if d.FailedTaskIndex != nil {
			task += fmt.Sprintf(" (index %d)", *d.FailedTaskIndex)
		}
	}
	if d.FailedStepName == "" {
		return task
	}
	step := "step " + quote(d.FailedStepName, maxNameLen)
	if task == "" {
		return step
	}
	return step + " of " + task
}

func exitCode(d *v1alpha1.FailureDetails) string {
	if d.ExitCode == nil {
		return ""
	}
	return fmt.Sprintf(" (exit code %d)", *d.ExitCode)
}

// sentence joins parts and capitalises the first letter.
func sentence(parts ...string) string {
	s := strings.Join(parts, "")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// framed are the sentences of the reasons whose wording only frames where
// the failure happened: without when it names no task or step.
var framed = map[v1alpha1.FailureReason]struct{ without, before, after string }{
	v1alpha1.FailureReasonDeadlineExceeded: {"The execution exceeded its timeout.",
		"The execution exceeded its timeout while ", " was running."},
	v1alpha1.FailureReasonImagePullBackOff: {"A container image of the workflow could not be pulled.",
		"A container image of ", " could not be pulled."},
	v1alpha1.FailureReasonResourceExhausted: {"A resource quota or the nodes' capacity was exceeded.",
		"The pod of ", " could not be created or scheduled because a resource quota or the nodes' capacity was exceeded."},
	v1alpha1.FailureReasonForbidden: {"The cluster denied (forbidden) a request needed to run the workflow.",
		"The cluster denied (forbidden) a request needed to run ", "."},
}

// around is the sentence before+where+after, or without when the failure
// names no task or step.
func around(where, without, before, after string) string {
	if where == "" {
		return without
	}
	return sentence(before, where, after)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// quote quotes an identifier, clipped, with Go escaping (no raw newlines).
func quote(s string, max int) string {
	return fmt.Sprintf("%q", clip(s, max))
}

// quoteReason prints a reason word as is, anything else quoted.
func quoteReason(s string) string {
	if reasonWordRE.MatchString(s) {
		return s
	}
	return quote(s, maxNameLen)
}

// clip shortens an identifier to max bytes on a rune boundary.
func clip(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return truncate(s, max)
}
