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
	"math"
	"sort"
	"time"

	"github.com/tektoncd/pipeline/pkg/apis/pipeline"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

// Input is everything the analysis needs; all pure data, no clients.
type Input struct {
	// WorkflowID is wfe.Spec.WorkflowRef.WorkflowID.
	WorkflowID string
	// Target is wfe.Spec.TargetResource.
	Target string
	// PipelineRun is the failed PipelineRun.
	PipelineRun *pipelinev1.PipelineRun
	// TaskRuns are the PipelineRun's child TaskRuns, in any order.
	TaskRuns []*pipelinev1.TaskRun
	// StartTime is wfe.Status.StartTime; it may be nil.
	StartTime *metav1.Time
	// Now is used when the PipelineRun has no completion time.
	Now time.Time
}

// Analyze explains a failed PipelineRun (Succeeded=False) as FailureDetails.
//
// The reason follows docs/design.md §5, first match wins, looking at the
// PipelineRun's reason and at the first failed pipeline task's TaskRun
// (reason, step states, then message text). One refinement: a run that
// timed out while its task's pod could never start (quota, node capacity,
// image pull) is classified by that cause, not as DeadlineExceeded.
//
// WasExecutionFailure is true when a step of any TaskRun of the run (any
// attempt) ran workflow code, so the target may have been changed; Tekton's
// own bookkeeping (steps it marks terminated when it stops a TaskRun whose
// pod never started) does not count.
//
// Message and the summary never contain the values of the PipelineRun's
// params: in the message every value of redact.MinLength characters or more is
// replaced by redact.Marker; the summary is built from identifiers only.
// The result does not depend on the order of TaskRuns.
func Analyze(in Input) *v1alpha1.FailureDetails {
	pr := in.PipelineRun
	if pr == nil {
		d := &v1alpha1.FailureDetails{
			Reason:   v1alpha1.FailureReasonUnknown,
			Message:  "the PipelineRun is not available",
			FailedAt: timePtr(in.Now),
		}
		d.NaturalLanguageSummary = Summary(in.WorkflowID, in.Target, d)
		return d
	}

	prCond := condition(pr.Status.GetCondition(apis.ConditionSucceeded))
	children := childTaskRuns(pr, in.TaskRuns)
	primary := firstFailed(children)

	c := classify(prCond, primary)
	d := &v1alpha1.FailureDetails{
		Reason:              c.reason,
		Message:             Redact(prCond.message, pr.Spec.Params),
		WasExecutionFailure: anyExecuted(children),
	}
	if c.fromTaskRun && primary.cond.message != "" {
		d.Message = Redact(primary.cond.message, pr.Spec.Params)
	}
	d.Message = truncate(d.Message, maxMessageLen)

	h := hints{
		tektonReason: prCond.reason,
		prNamespace:  pr.Namespace,
		prName:       pr.Name,
	}
	if primary != nil {
		d.FailedTaskName = primary.pipelineTask
		if primary.index >= 0 {
			d.FailedTaskIndex = int32Ptr(primary.index)
		}
		if step := failedStep(c.reason, primary); step != nil {
			d.FailedStepName = step.Name
			if code, ok := selfExitCode(step); ok && c.reason != v1alpha1.FailureReasonDeadlineExceeded {
				d.ExitCode = &code
			}
			h.podNamespace, h.podName, h.container = primary.tr.Namespace, primary.tr.Status.PodName, containerName(step)
		}
		if c.fromTaskRun && primary.cond.reason != "" {
			h.tektonReason = primary.cond.reason
		}
	}

	d.FailedAt = failedAt(pr, in.Now)
	d.ExecutionTimeBeforeFailure = elapsed(startTime(in.StartTime, pr), d.FailedAt)
	d.NaturalLanguageSummary = summary(in.WorkflowID, in.Target, d, h)
	return d
}

// cond is the Succeeded condition of a Tekton run, flattened.
type cond struct {
	status corev1.ConditionStatus
	reason string
	// message is the condition message; never copied out unredacted.
	message string
}

func condition(c *apis.Condition) cond {
	if c == nil {
		return cond{status: corev1.ConditionUnknown}
	}
	return cond{status: c.Status, reason: c.Reason, message: c.Message}
}

// child is a TaskRun with its place in the pipeline.
type child struct {
	tr           *pipelinev1.TaskRun
	cond         cond
	pipelineTask string
	// index is the position of pipelineTask in the pipeline (Tasks, then
	// Finally), or -1 when it cannot be placed.
	index int32
	// rank orders failed TaskRuns: 0 failed by itself, 1 cancelled
	// (by the PipelineRun's timeout or cancellation), 2 unfinished.
	rank int
}

// childTaskRuns places the PipelineRun's TaskRuns in its pipeline, skipping
// TaskRuns that are labelled as another PipelineRun's.
func childTaskRuns(pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []child {
	var out []child
	for _, tr := range trs {
		if tr == nil {
			continue
		}
		if owner, ok := tr.Labels[pipeline.PipelineRunLabelKey]; ok && owner != pr.Name {
			continue
		}
		name := pipelineTaskName(pr, tr)
		out = append(out, child{
			tr:           tr,
			cond:         condition(tr.Status.GetCondition(apis.ConditionSucceeded)),
			pipelineTask: name,
			index:        taskIndex(pr, name),
		})
	}
	return out
}

// pipelineTaskName is the pipeline task a TaskRun runs: Tekton's label,
// else the PipelineRun's child reference.
func pipelineTaskName(pr *pipelinev1.PipelineRun, tr *pipelinev1.TaskRun) string {
	if name := tr.Labels[pipeline.PipelineTaskLabelKey]; name != "" {
		return name
	}
	for _, ref := range pr.Status.ChildReferences {
		if ref.Name == tr.Name {
			return ref.PipelineTaskName
		}
	}
	return ""
}

// taskIndex is the position of a pipeline task in the resolved pipeline
// (Tasks, then Finally), else in the PipelineRun's child references, else -1.
func taskIndex(pr *pipelinev1.PipelineRun, name string) int32 {
	if name == "" {
		return -1
	}
	if spec := pr.Status.PipelineSpec; spec != nil {
		for i, t := range spec.Tasks {
			if t.Name == name {
				return clampInt32(i)
			}
		}
		for i, t := range spec.Finally {
			if t.Name == name {
				return clampInt32(len(spec.Tasks) + i)
			}
		}
	}
	seen := map[string]bool{}
	for _, ref := range pr.Status.ChildReferences {
		if seen[ref.PipelineTaskName] {
			continue
		}
		if ref.PipelineTaskName == name {
			return clampInt32(len(seen))
		}
		seen[ref.PipelineTaskName] = true
	}
	return -1
}

// firstFailed returns the first failed pipeline task's TaskRun: TaskRuns
// that failed by themselves before cancelled ones before unfinished ones,
// then in pipeline order. Succeeded TaskRuns and failures ignored by
// onError: continue do not count.
func firstFailed(children []child) *child {
	var failed []child
	for _, c := range children {
		switch {
		case c.cond.status == corev1.ConditionTrue:
			continue
		case c.cond.reason == pipelinev1.TaskRunReasonFailureIgnored.String():
			continue
		case c.cond.status == corev1.ConditionFalse && c.cond.reason == pipelinev1.TaskRunReasonCancelled.String():
			c.rank = 1
		case c.cond.status == corev1.ConditionFalse:
			c.rank = 0
		default:
			c.rank = 2
		}
		failed = append(failed, c)
	}
	if len(failed) == 0 {
		return nil
	}
	sort.SliceStable(failed, func(i, j int) bool {
		a, b := failed[i], failed[j]
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		if ai, bi := orderIndex(a.index), orderIndex(b.index); ai != bi {
			return ai < bi
		}
		return a.tr.Name < b.tr.Name
	})
	return &failed[0]
}

func orderIndex(i int32) int64 {
	if i < 0 {
		return math.MaxInt64
	}
	return int64(i)
}

// classification is the reason and whether the primary TaskRun (rather
// than the PipelineRun) explains it.
type classification struct {
	reason      v1alpha1.FailureReason
	fromTaskRun bool
}

// classify applies docs/design.md §5 in order; first match wins. Structured
// state (reasons, step exit codes, container states) comes before message
// text: the text heuristics (quota, forbidden) apply only when no
// structured state explains the failure, since messages also carry the
// names of steps, tasks and runs, which are the workflow author's words.
func classify(pr cond, primary *child) classification {
	var tr cond
	var prev string
	if primary != nil {
		tr = primary.cond
		// Tekton appends the previous status only when it cancels or
		// times out a TaskRun: any other message is not read for it.
		if tr.reason == pipelinev1.TaskRunReasonCancelled.String() || tr.reason == pipelinev1.TaskRunReasonTimedOut.String() {
			prev = previousReason(tr.message)
		}
	}

	// 1. Timeouts.
	if primary != nil && (tr.reason == pipelinev1.TaskRunReasonTimedOut.String() || cancelledByTimeout(primary.tr) || stepTimedOut(primary.tr) != nil) {
		if r := blocker(primary, prev); r != "" {
			return classification{reason: r, fromTaskRun: true}
		}
		return classification{reason: v1alpha1.FailureReasonDeadlineExceeded, fromTaskRun: !prTimeoutReasons.Has(pr.reason)}
	}
	if prTimeoutReasons.Has(pr.reason) {
		if primary != nil {
			if r := blocker(primary, prev); r != "" {
				return classification{reason: r, fromTaskRun: true}
			}
		}
		return classification{reason: v1alpha1.FailureReasonDeadlineExceeded}
	}
	if primary == nil {
		return classifyPipelineRun(pr)
	}

	// 2. Out of memory.
	if trOOMReasons.Has(tr.reason) || oomStep(primary.tr) != nil {
		return classification{reason: v1alpha1.FailureReasonOOMKilled, fromTaskRun: true}
	}
	// 3. Image pull.
	if trImagePullReasons.Has(tr.reason) || trImagePullReasons.Has(prev) || imagePullStep(primary.tr) != nil {
		return classification{reason: v1alpha1.FailureReasonImagePullBackOff, fromTaskRun: true}
	}
	// 4. Quota and node capacity.
	if trResourceReasons.Has(tr.reason) || trResourceReasons.Has(prev) {
		return classification{reason: v1alpha1.FailureReasonResourceExhausted, fromTaskRun: true}
	}
	// 5. Admission denials.
	if tr.reason == reasonPodAdmissionFailed {
		return classification{reason: v1alpha1.FailureReasonForbidden, fromTaskRun: true}
	}
	// 7, ahead of the text heuristics: a step that ran and exited non-zero
	// (or Tekton's StepFailed) is structured state. The message is then
	// Tekton's `"step-NAME" exited with code N`, whose only words are the
	// step's name: a step named check-forbidden-access is no RBAC denial.
	// A TaskRun whose own reason is a configuration failure is not a step
	// failure, whatever its steps show.
	if (trTaskFailedReasons.Has(tr.reason) || exitedNonZero(primary.tr) != nil) &&
		!trConfigReasons.Has(tr.reason) && cannotRunStep(primary.tr) == nil {
		return classification{reason: v1alpha1.FailureReasonTaskFailed, fromTaskRun: true}
	}
	// 4 and 5 from message text: API errors (quota, RBAC) that Tekton
	// reports only as text.
	if isQuotaText(tr.message) {
		return classification{reason: v1alpha1.FailureReasonResourceExhausted, fromTaskRun: true}
	}
	if isQuotaText(pr.message) {
		return classification{reason: v1alpha1.FailureReasonResourceExhausted}
	}
	if isForbiddenText(tr.message) {
		return classification{reason: v1alpha1.FailureReasonForbidden, fromTaskRun: true}
	}
	if isForbiddenText(pr.message) {
		return classification{reason: v1alpha1.FailureReasonForbidden}
	}
	// 6. Resolution and validation.
	if trConfigReasons.Has(tr.reason) || cannotRunStep(primary.tr) != nil {
		return classification{reason: v1alpha1.FailureReasonConfigurationError, fromTaskRun: true}
	}
	if prConfigReasons.Has(pr.reason) {
		return classification{reason: v1alpha1.FailureReasonConfigurationError}
	}
	// 8. Anything else, e.g. cancelled by someone else.
	return classification{reason: v1alpha1.FailureReasonUnknown}
}

// classifyPipelineRun classifies a failure with no failed TaskRun, e.g. a
// resolution or validation failure or a TaskRun that could not be created.
func classifyPipelineRun(pr cond) classification {
	switch {
	case isQuotaText(pr.message):
		return classification{reason: v1alpha1.FailureReasonResourceExhausted}
	case isForbiddenText(pr.message):
		return classification{reason: v1alpha1.FailureReasonForbidden}
	case prConfigReasons.Has(pr.reason):
		return classification{reason: v1alpha1.FailureReasonConfigurationError}
	default:
		return classification{reason: v1alpha1.FailureReasonUnknown}
	}
}

// blocker returns the cause that kept a timed-out TaskRun from ever running
// a step (its pod could not be created, scheduled or pulled), or "".
func blocker(c *child, prev string) v1alpha1.FailureReason {
	if executed(c.tr) {
		return ""
	}
	reason := c.cond.reason
	switch {
	case trImagePullReasons.Has(reason), trImagePullReasons.Has(prev), imagePullStep(c.tr) != nil:
		return v1alpha1.FailureReasonImagePullBackOff
	case reason == reasonExceededResourceQuota, prev == reasonExceededResourceQuota,
		reason == reasonExceededNodeResources, prev == reasonExceededNodeResources:
		return v1alpha1.FailureReasonResourceExhausted
	default:
		return ""
	}
}

// cancelledByTimeout reports a TaskRun that Tekton cancelled because its
// PipelineRun (or the pipeline's tasks/finally timeout) timed out.
func cancelledByTimeout(tr *pipelinev1.TaskRun) bool {
	return tr.Spec.Status == pipelinev1.TaskRunSpecStatusCancelled &&
		tr.Spec.StatusMessage == pipelinev1.TaskRunCancelledByPipelineTimeoutMsg
}

// stepTimedOut returns the step that exceeded its own step timeout.
func stepTimedOut(tr *pipelinev1.TaskRun) *pipelinev1.StepState {
	return findStep(tr, func(s *pipelinev1.StepState) bool {
		return s.Terminated != nil && s.TerminationReason == terminationReasonTimeoutExceeded
	})
}

// oomStep returns the first step the kernel killed for lack of memory.
func oomStep(tr *pipelinev1.TaskRun) *pipelinev1.StepState {
	return findStep(tr, func(s *pipelinev1.StepState) bool {
		return s.Terminated != nil && s.Terminated.Reason == containerReasonOOMKilled
	})
}

// imagePullStep returns the first step whose image cannot be pulled.
func imagePullStep(tr *pipelinev1.TaskRun) *pipelinev1.StepState {
	if s := findStep(tr, func(s *pipelinev1.StepState) bool { return isImageWaiting(s.ContainerState) }); s != nil {
		return s
	}
	for i := range tr.Status.Sidecars {
		if isImageWaiting(tr.Status.Sidecars[i].ContainerState) {
			// A sidecar, not a step: the TaskRun is still an image pull
			// failure, with no step to name.
			return &pipelinev1.StepState{}
		}
	}
	return nil
}

// cannotRunStep returns the first step whose container could not be
// started (bad command or entrypoint in the image).
func cannotRunStep(tr *pipelinev1.TaskRun) *pipelinev1.StepState {
	return findStep(tr, func(s *pipelinev1.StepState) bool {
		return s.Terminated != nil && (s.Terminated.Reason == containerReasonCannotRun || s.Terminated.Reason == containerReasonStartError)
	})
}

// exitedNonZero returns the first step that ended by itself with a
// non-zero exit code; steps skipped after an earlier failure and steps
// whose failure onError: continue ignored do not count.
func exitedNonZero(tr *pipelinev1.TaskRun) *pipelinev1.StepState {
	return findStep(tr, func(s *pipelinev1.StepState) bool {
		if s.Terminated == nil || s.Terminated.ExitCode == 0 || injectedStepReasons.Has(s.Terminated.Reason) {
			return false
		}
		switch s.TerminationReason {
		case terminationReasonSkipped, terminationReasonContinued, terminationReasonCancelled:
			return false
		}
		return true
	})
}

// runningStep returns the step that was executing when the TaskRun was
// stopped: Tekton runs steps in order, so it is the first one still running
// or stopped while running.
func runningStep(tr *pipelinev1.TaskRun) *pipelinev1.StepState {
	return findStep(tr, func(s *pipelinev1.StepState) bool {
		return s.Running != nil || (injected(s) && !wasWaiting(tr, s))
	})
}

// namedStep returns the step Tekton named in its failure message.
func namedStep(tr *pipelinev1.TaskRun, msg string) *pipelinev1.StepState {
	m := failedContainerStepRE.FindStringSubmatch(msg)
	if m == nil {
		return nil
	}
	return findStep(tr, func(s *pipelinev1.StepState) bool { return s.Name == m[1] })
}

func findStep(tr *pipelinev1.TaskRun, match func(*pipelinev1.StepState) bool) *pipelinev1.StepState {
	for i := range tr.Status.Steps {
		if match(&tr.Status.Steps[i]) {
			return &tr.Status.Steps[i]
		}
	}
	return nil
}

// failedStep names the step that explains the reason, if any.
func failedStep(reason v1alpha1.FailureReason, c *child) *pipelinev1.StepState {
	tr := c.tr
	var s *pipelinev1.StepState
	switch reason {
	case v1alpha1.FailureReasonOOMKilled:
		s = oomStep(tr)
	case v1alpha1.FailureReasonTaskFailed:
		s = exitedNonZero(tr)
	case v1alpha1.FailureReasonDeadlineExceeded:
		if s = stepTimedOut(tr); s == nil {
			s = runningStep(tr)
		}
	case v1alpha1.FailureReasonImagePullBackOff:
		if s = namedStep(tr, c.cond.message); s == nil {
			s = imagePullStep(tr)
		}
	case v1alpha1.FailureReasonConfigurationError:
		if s = cannotRunStep(tr); s == nil {
			s = namedStep(tr, c.cond.message)
		}
	case v1alpha1.FailureReasonUnknown:
		s = runningStep(tr)
	}
	if s == nil || s.Name == "" {
		return nil
	}
	return s
}

// selfExitCode is the exit code of a step that ended by itself.
func selfExitCode(s *pipelinev1.StepState) (int32, bool) {
	if s.Terminated == nil || injected(s) {
		return 0, false
	}
	return s.Terminated.ExitCode, true
}

func containerName(s *pipelinev1.StepState) string {
	if s.Container != "" {
		return s.Container
	}
	return "step-" + s.Name
}

// injected reports a step whose terminated state Tekton wrote when it
// stopped the TaskRun (terminateStepsInPod), not the container's own.
func injected(s *pipelinev1.StepState) bool {
	return s.Terminated != nil && injectedStepReasons.Has(s.Terminated.Reason)
}

// wasWaiting reports an injected step that was still waiting: Tekton gives
// it the TaskRun's creation time as its start. That time has a precision of
// a second, and a pod may start its containers within the second its
// TaskRun was created (an image already on the node): a step whose
// container the runtime created has an image ID (the kubelet reports none
// for a container still waiting), so a step with one had run.
func wasWaiting(tr *pipelinev1.TaskRun, s *pipelinev1.StepState) bool {
	return injected(s) && s.Terminated.StartedAt.Equal(&tr.CreationTimestamp) && s.ImageID == ""
}

// anyExecuted reports whether workflow code ran in any of the TaskRuns,
// including earlier attempts of a retried task.
func anyExecuted(children []child) bool {
	for _, c := range children {
		if executed(c.tr) {
			return true
		}
		for i := range c.tr.Status.RetriesStatus {
			if attemptExecuted(c.tr, &c.tr.Status.RetriesStatus[i]) {
				return true
			}
		}
	}
	return false
}

// executed reports whether a step of the TaskRun ran workflow code. A step
// ran if it ended by itself (not skipped, not unable to start), or if it was
// running when Tekton stopped a TaskRun whose pod was fully started: while
// any container of the pod waits (image pull, config error), Tekton's
// entrypoint holds every step back.
func executed(tr *pipelinev1.TaskRun) bool {
	return attemptExecuted(tr, &tr.Status)
}

// attemptExecuted is executed for one attempt (status) of the TaskRun.
func attemptExecuted(tr *pipelinev1.TaskRun, status *pipelinev1.TaskRunStatus) bool {
	var running, waiting bool
	for i := range status.Steps {
		s := &status.Steps[i]
		switch {
		case s.Waiting != nil, wasWaiting(tr, s):
			waiting = true
		case s.Running != nil, injected(s):
			running = true
		case s.Terminated != nil:
			if s.TerminationReason == terminationReasonSkipped ||
				s.Terminated.Reason == containerReasonCannotRun || s.Terminated.Reason == containerReasonStartError {
				continue
			}
			return true
		}
	}
	reason := condition(status.GetCondition(apis.ConditionSucceeded)).reason
	return running && !waiting && !prePodReasons.Has(reason)
}

func failedAt(pr *pipelinev1.PipelineRun, now time.Time) *metav1.Time {
	if pr.Status.CompletionTime != nil {
		return pr.Status.CompletionTime.DeepCopy()
	}
	return timePtr(now)
}

func startTime(wfeStart *metav1.Time, pr *pipelinev1.PipelineRun) *metav1.Time {
	if wfeStart != nil {
		return wfeStart
	}
	return pr.Status.StartTime
}

// elapsed is the time from start to end, rounded to the second, as a Go
// duration string; "" when the start is unknown.
func elapsed(start, end *metav1.Time) string {
	if start == nil || end == nil {
		return ""
	}
	d := end.Sub(start.Time).Round(time.Second)
	if d < 0 {
		d = 0
	}
	return d.String()
}

// timePtr drops the monotonic clock and sub-second precision, as the API
// server would: the value compares equal after a round trip.
func timePtr(t time.Time) *metav1.Time {
	mt := metav1.NewTime(t).Rfc3339Copy()
	return &mt
}

func int32Ptr(i int32) *int32 { return &i }

func clampInt32(i int) int32 {
	if i > math.MaxInt32 {
		return math.MaxInt32
	}
	return int32(i) // #nosec G115 -- bounded above
}
