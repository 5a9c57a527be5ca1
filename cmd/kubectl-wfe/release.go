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

	"github.com/spf13/cobra"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"

	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	pkgtarget "kubernaut.ai/workflowexecution/pkg/target"
)

func newReleaseCommand(o *options) *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "release TARGET",
		Short: "Free a stuck lock: delete the run that holds TARGET, refused while a live execution owns it",
		Long: `Delete the PipelineRun that locks TARGET (namespace/Kind/name, or Kind/name;
any spelling of the kind: it is resolved through the cluster's discovery),
only when no live execution depends on it: its execution is gone, replaced,
or has ended. Refused for a run the controller did not create and while its
execution is Pending or Running (delete the execution instead). The run is
deleted with UID and resourceVersion preconditions: a run that changed
since it was checked is left alone.`,
		Example: `  kubectl wfe release --dry-run team-a/Deployment/api
  kubectl wfe release team-a/Deployment/api`,
		Args: exactArgs("TARGET"),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			c, err := o.clients()
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			ls, err := listLocks(cmd.Context(), io.Discard, c, o.systemNamespace, "", o.now())
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var targets []string
			for _, l := range ls {
				targets = append(targets, l.Target)
			}
			return targets, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: o.runE(func(ctx context.Context, c *clients, args []string) error {
			return release(ctx, o.streams.Out, o.streams.ErrOut, c, o.systemNamespace, args[0], dryRun)
		}),
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "Say what would be deleted, change nothing.")
	return cmd
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

func release(ctx context.Context, out, errOut io.Writer, c *clients, systemNamespace, target string, dryRun bool) error {
	// Any spelling of the object names its one lock: the target is
	// resolved through discovery, as the controller resolves it.
	ref, err := pkgtarget.NewResolver(c.kube.Discovery(), clock.RealClock{}).Resolve(target)
	if err != nil {
		return fmt.Errorf("target %q: %w", target, err)
	}
	canonical := ref.String()
	cfg, err := configOrDefaults(ctx, errOut, c, systemNamespace)
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
