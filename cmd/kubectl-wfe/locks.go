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
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/spf13/cobra"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	"kubernaut.ai/workflowexecution/pkg/safetext"
)

// errConfigForbidden: the user may not read config-workflowexecution.
var errConfigForbidden = errors.New("forbidden")

// controllerConfig is config-workflowexecution as the controller reads it,
// or the defaults when it is absent. A ConfigMap the user may not read is
// errConfigForbidden, with the defaults.
func controllerConfig(ctx context.Context, c *clients, systemNamespace string) (*config.WorkflowExecution, error) {
	cm, err := c.kube.CoreV1().ConfigMaps(systemNamespace).Get(ctx, config.ConfigName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return config.Defaults(), nil
	case apierrors.IsForbidden(err):
		return config.Defaults(), fmt.Errorf("cannot read %s/%s: %w: %v", systemNamespace, config.ConfigName, errConfigForbidden, err)
	case err != nil:
		return nil, fmt.Errorf("reading %s/%s: %w", systemNamespace, config.ConfigName, err)
	}
	cfg, err := config.NewWorkflowExecutionFromConfigMap(cm)
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", systemNamespace, config.ConfigName, err)
	}
	return cfg, nil
}

// configOrDefaults is controllerConfig, warning on errOut and going on with
// the defaults when the user may not read it.
func configOrDefaults(ctx context.Context, errOut io.Writer, c *clients, systemNamespace string) (*config.WorkflowExecution, error) {
	cfg, err := controllerConfig(ctx, c, systemNamespace)
	if errors.Is(err, errConfigForbidden) {
		fmt.Fprintf(errOut, "warning: %v; assuming the defaults\n", err)
		return cfg, nil
	}
	return cfg, err
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

// lockTarget is the target that pr locks, as locks shows it. It is the one
// place that knows where the run records its target.
func lockTarget(pr *pipelinev1.PipelineRun) string {
	return pr.Annotations[workflowexecution.TargetResourceAnnotationKey]
}

// lock is one locked target; -o json and yaml print it as it is.
type lock struct {
	Target      string      `json:"target"`
	Holder      lockObject  `json:"holder"`
	WorkflowID  string      `json:"workflowId"`
	PipelineRun lockObject  `json:"pipelineRun"`
	Since       metav1.Time `json:"since"`
	// CooldownRemaining is set once the holder has ended and read the run's result.
	CooldownRemaining string `json:"cooldownRemaining,omitempty"`
}

// lockObject is the holder (state: its phase, gone or replaced) or the run
// (state: Started, Running, Succeeded or Failed).
type lockObject struct {
	Namespace string    `json:"namespace"`
	Name      string    `json:"name"`
	UID       types.UID `json:"uid,omitempty"`
	State     string    `json:"state"`
}

// listLocks lists the runs that lock targets, with their holders, those of
// executions in namespace only when it is set.
func listLocks(ctx context.Context, errOut io.Writer, c *clients, systemNamespace, namespace string, now time.Time) ([]lock, error) {
	cfg, err := configOrDefaults(ctx, errOut, c, systemNamespace)
	if err != nil {
		return nil, err
	}
	selector := resources.LabelSelector
	if namespace != "" {
		selector += "," + labels.Set{workflowexecution.SourceNamespaceLabelKey: namespace}.String()
	}
	prs, err := c.tekton.TektonV1().PipelineRuns(cfg.ExecutionNamespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
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
			Target:      lockTarget(pr),
			Holder:      lockObject{Namespace: o.Namespace, Name: o.Name, UID: o.UID, State: h.state},
			WorkflowID:  pr.Annotations[workflowexecution.WorkflowIDAnnotationKey],
			PipelineRun: lockObject{Namespace: pr.Namespace, Name: pr.Name, UID: pr.UID, State: runState(pr)},
			Since:       metav1.NewTime(resources.StartTime(pr)),
		}
		if w := h.wfe; w != nil && w.Status.IsDone() && pr.IsDone() && w.Status.CompletionTime != nil {
			left := w.Status.CompletionTime.Add(cfg.CooldownPeriod).Sub(now)
			if left < 0 {
				left = 0
			}
			l.CooldownRemaining = left.Round(time.Second).String()
		}
		locks = append(locks, l)
	}
	sort.Slice(locks, func(i, j int) bool { return locks[i].Target < locks[j].Target })
	return locks, nil
}

type locksOptions struct {
	all   bool
	print *printFlags
}

func newLocksCommand(o *options) *cobra.Command {
	l := locksOptions{print: newPrintFlags()}
	cmd := &cobra.Command{
		Use:   "locks",
		Short: "List every locked target: holder, since, cooldown remaining, run",
		Long: `List the targets locked by a PipelineRun in the execution namespace, with the
execution holding each (its phase, or gone / replaced when it no longer
exists), the run's state, since when, and the cooldown left once the holder
has ended. Every lock by default (or with -A); with -n, only those held by
that namespace's executions. -o name prints the targets, one a line; -o
json|yaml a List of locks.`,
		Example: `  kubectl wfe locks
  kubectl wfe locks -n team-a -o wide
  kubectl wfe locks -o jsonpath='{range .items[*]}{.target}{"\t"}{.holder.state}{"\n"}{end}'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := l.print.validate(); err != nil {
				return err
			}
			c, err := o.clients()
			if err != nil {
				return err
			}
			ns := ""
			if c.explicit && !l.all {
				ns = c.namespace
			}
			return printLocks(cmd.Context(), o.streams, c, o.systemNamespace, ns, l.print, o.now())
		},
	}
	cmd.Flags().BoolVarP(&l.all, "all-namespaces", "A", false, "Every lock, whatever namespace holds it (the default without -n).")
	l.print.addFlags(cmd)
	return cmd
}

func printLocks(ctx context.Context, s genericiooptions.IOStreams, c *clients, systemNamespace, namespace string, p *printFlags, now time.Time) error {
	ls, err := listLocks(ctx, s.ErrOut, c, systemNamespace, namespace, now)
	if err != nil {
		return err
	}
	switch {
	case p.table():
		if len(ls) == 0 {
			fmt.Fprintln(s.ErrOut, "No locked targets.")
			return nil
		}
		return p.printTable(s.Out, lockTable(ls, now))
	case p.format() == "name":
		for _, l := range ls {
			fmt.Fprintln(s.Out, safetext.Escape(l.Target))
		}
		return nil
	}
	items := make([]any, 0, len(ls))
	for _, l := range ls {
		var item map[string]any
		b, err := json.Marshal(l)
		if err == nil {
			err = json.Unmarshal(b, &item)
		}
		if err != nil {
			return err
		}
		items = append(items, item)
	}
	list := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "List", "items": items}}
	printer, err := p.print.ToPrinter()
	if err != nil {
		return err
	}
	return printer.PrintObj(list, s.Out)
}

func lockTable(ls []lock, now time.Time) *metav1.Table {
	t := &metav1.Table{ColumnDefinitions: columns(
		[]string{"Target", "Holder", "Workflow", "Holder Phase", "Run", "Run State", "Since", "Cooldown Left"},
		"Age", "Holder UID")}
	for _, l := range ls {
		cooldown := l.CooldownRemaining
		if cooldown == "" {
			cooldown = "-"
		}
		t.Rows = append(t.Rows, row(l.Target, l.Holder.Namespace+"/"+l.Holder.Name, l.WorkflowID, l.Holder.State,
			l.PipelineRun.Namespace+"/"+l.PipelineRun.Name, l.PipelineRun.State, l.Since.UTC().Format(time.RFC3339), cooldown,
			ago(now, &l.Since), orNone(string(l.Holder.UID))))
	}
	return t
}
