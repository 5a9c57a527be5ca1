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
	"text/tabwriter"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/explain"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	"kubernaut.ai/workflowexecution/pkg/version"
)

// infoConfigMap is config/info.yaml's ConfigMap.
const infoConfigMap = "workflowexecution-info"

func why(ctx context.Context, out io.Writer, c *clients, name string) error {
	w, err := c.wfe.WorkflowexecutionV1alpha1().WorkflowExecutions(c.namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("WorkflowExecution %s/%s: %w", c.namespace, name, err)
	}
	explain.Write(out, w)
	return nil
}

// controllerConfig is config-workflowexecution as the controller reads it,
// or the defaults when it is absent. A ConfigMap the user may not read also
// means the defaults, with a warning.
func controllerConfig(ctx context.Context, out io.Writer, c *clients, systemNamespace string) (*config.WorkflowExecution, error) {
	cm, err := c.kube.CoreV1().ConfigMaps(systemNamespace).Get(ctx, config.ConfigName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return config.Defaults(), nil
	case apierrors.IsForbidden(err):
		fmt.Fprintf(out, "warning: cannot read %s/%s (%v); assuming the defaults\n", systemNamespace, config.ConfigName, err)
		return config.Defaults(), nil
	case err != nil:
		return nil, fmt.Errorf("reading %s/%s: %w", systemNamespace, config.ConfigName, err)
	}
	cfg, err := config.NewWorkflowExecutionFromConfigMap(cm)
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", systemNamespace, config.ConfigName, err)
	}
	return cfg, nil
}

// holder is the state of a run's owner.
type holder struct {
	wfe   *v1alpha1.WorkflowExecution // nil when gone
	state string                      // phase, "gone" or "replaced"
}

// ownerState reads the execution a run belongs to, checking its UID as the
// controller does: an execution of that name with another UID is not the owner.
func ownerState(ctx context.Context, c *clients, pr *pipelinev1.PipelineRun) (holder, error) {
	o := resources.OwnerOf(pr)
	if o.Name == "" || o.Namespace == "" || o.UID == "" {
		return holder{state: "not ours"}, nil
	}
	w, err := c.wfe.WorkflowexecutionV1alpha1().WorkflowExecutions(o.Namespace).Get(ctx, o.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return holder{state: "gone"}, nil
	case err != nil:
		return holder{}, fmt.Errorf("reading the owner %s of PipelineRun %s/%s: %w", o.NamespacedName, pr.Namespace, pr.Name, err)
	case w.UID != o.UID:
		return holder{state: "replaced"}, nil
	}
	phase := string(w.Status.Phase)
	if phase == "" {
		phase = string(v1alpha1.PhasePending)
	}
	return holder{wfe: w, state: phase}, nil
}

func runState(pr *pipelinev1.PipelineRun) string {
	c := pr.Status.GetCondition("Succeeded")
	switch {
	case c == nil:
		return "Started"
	case c.Status == "True":
		return "Succeeded"
	case c.Status == "False":
		return "Failed"
	}
	return "Running"
}

// lock is one locked target.
type lock struct {
	target, holder, workflow, holderState, run, runState string
	since                                                time.Time
	cooldown                                             string
}

func listLocks(ctx context.Context, out io.Writer, c *clients, systemNamespace string, now time.Time) ([]lock, error) {
	cfg, err := controllerConfig(ctx, out, c, systemNamespace)
	if err != nil {
		return nil, err
	}
	prs, err := c.tekton.TektonV1().PipelineRuns(cfg.ExecutionNamespace).List(ctx, metav1.ListOptions{LabelSelector: resources.LabelSelector})
	if err != nil {
		return nil, fmt.Errorf("listing PipelineRuns in %s: %w", cfg.ExecutionNamespace, err)
	}
	var locks []lock
	for i := range prs.Items {
		pr := &prs.Items[i]
		h, err := ownerState(ctx, c, pr)
		if err != nil {
			return nil, err
		}
		o := resources.OwnerOf(pr)
		l := lock{
			target:      pr.Annotations[workflowexecution.TargetResourceAnnotationKey],
			holder:      o.Namespace + "/" + o.Name,
			workflow:    pr.Annotations[workflowexecution.WorkflowIDAnnotationKey],
			holderState: h.state,
			run:         pr.Namespace + "/" + pr.Name,
			runState:    runState(pr),
			since:       resources.StartTime(pr),
			cooldown:    "-",
		}
		if w := h.wfe; w != nil && w.Status.IsDone() && pr.IsDone() && w.Status.CompletionTime != nil {
			left := w.Status.CompletionTime.Add(cfg.CooldownPeriod).Sub(now)
			if left < 0 {
				left = 0
			}
			l.cooldown = left.Round(time.Second).String()
		}
		locks = append(locks, l)
	}
	sort.Slice(locks, func(i, j int) bool { return locks[i].target < locks[j].target })
	return locks, nil
}

func locks(ctx context.Context, out io.Writer, c *clients, systemNamespace string, now time.Time) error {
	ls, err := listLocks(ctx, out, c, systemNamespace, now)
	if err != nil {
		return err
	}
	if len(ls) == 0 {
		fmt.Fprintln(out, "No locked targets.")
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tHOLDER\tWORKFLOW\tHOLDER PHASE\tRUN\tRUN STATE\tSINCE\tCOOLDOWN LEFT")
	for _, l := range ls {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.target, l.holder, l.workflow, l.holderState,
			l.run, l.runState, l.since.UTC().Format(time.RFC3339), l.cooldown)
	}
	return tw.Flush()
}

// releaseDecision says whether deleting the run that locks a target is
// safe, and why. It is safe when no live execution depends on the run:
// its owner is gone, or has ended (a terminal status is final, and it has
// read the run's result). It is refused for a run that is not ours, and
// while the owner is not terminal: the controller manages that lock, and
// deleting the run would fail a running remediation.
func releaseDecision(pr *pipelinev1.PipelineRun, h holder) (bool, string) {
	o := resources.OwnerOf(pr)
	switch {
	case h.state == "not ours":
		return false, fmt.Sprintf("PipelineRun %s/%s does not carry the labels and UID annotation of a WorkflowExecution: it was not created by the controller; leaving it alone", pr.Namespace, pr.Name)
	case h.wfe == nil:
		return true, fmt.Sprintf("its execution %s is %s", o.NamespacedName, h.state)
	case !h.wfe.Status.IsDone():
		return false, fmt.Sprintf("execution %s is %s and owns the run: the controller manages this lock. "+
			"To stop the remediation, delete the execution: kubectl delete wfe -n %s %s (docs/operator-runbook.md, section 12)",
			o.NamespacedName, h.state, o.Namespace, o.Name)
	case !pr.IsDone():
		return true, fmt.Sprintf("its execution %s has ended (%s) but the run is still unfinished: deleting it stops its pods", o.NamespacedName, h.state)
	default:
		return true, fmt.Sprintf("its execution %s has ended (%s) and recorded the result: the run is only kept for the cooldown, "+
			"which still applies to the same workflow", o.NamespacedName, h.state)
	}
}

func release(ctx context.Context, out io.Writer, c *clients, systemNamespace, target string, dryRun bool) error {
	canonical, err := v1alpha1.CanonicalTarget(target)
	if err != nil {
		return fmt.Errorf("target %q: %w", target, err)
	}
	cfg, err := controllerConfig(ctx, out, c, systemNamespace)
	if err != nil {
		return err
	}
	ns, name := cfg.ExecutionNamespace, resources.PipelineRunName(canonical)
	pr, err := c.tekton.TektonV1().PipelineRuns(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		fmt.Fprintf(out, "%s is not locked: PipelineRun %s/%s does not exist\n", target, ns, name)
		return nil
	} else if err != nil {
		return fmt.Errorf("reading PipelineRun %s/%s: %w", ns, name, err)
	}
	h, err := ownerState(ctx, c, pr)
	if err != nil {
		return err
	}
	ok, reason := releaseDecision(pr, h)
	if !ok {
		return fmt.Errorf("refusing to release %s: %s", target, reason)
	}
	if dryRun {
		fmt.Fprintf(out, "would delete PipelineRun %s/%s (UID %s): %s\n", ns, name, pr.UID, reason)
		return nil
	}
	// Preconditions: the run deleted is the run checked, unchanged since.
	uid, rv := pr.UID, pr.ResourceVersion
	err = c.tekton.TektonV1().PipelineRuns(ns).Delete(ctx, name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &uid, ResourceVersion: &rv},
	})
	switch {
	case apierrors.IsNotFound(err):
		fmt.Fprintf(out, "%s is not locked any more: PipelineRun %s/%s is gone\n", target, ns, name)
		return nil
	case apierrors.IsConflict(err):
		return fmt.Errorf("PipelineRun %s/%s changed while it was checked; run the command again: %w", ns, name, err)
	case err != nil:
		return fmt.Errorf("deleting PipelineRun %s/%s: %w", ns, name, err)
	}
	fmt.Fprintf(out, "released %s: deleted PipelineRun %s/%s: %s\n", target, ns, name, reason)
	return nil
}

func printVersion(ctx context.Context, out io.Writer, c *clients, systemNamespace string) error {
	fmt.Fprintf(out, "kubectl-wfe %s\n", version.Get())
	cm, err := c.kube.CoreV1().ConfigMaps(systemNamespace).Get(ctx, infoConfigMap, metav1.GetOptions{})
	if err != nil {
		fmt.Fprintf(out, "controller: unknown (%s/%s: %v)\n", systemNamespace, infoConfigMap, err)
		return nil
	}
	fmt.Fprintf(out, "controller: %s\n", cm.Data["version"])
	return nil
}
