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
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

type getOptions struct {
	names    []string
	all      bool
	selector string
	print    *printFlags
}

func newGetCommand(o *options) *cobra.Command {
	g := getOptions{print: newPrintFlags()}
	cmd := &cobra.Command{
		Use:   "get [NAME...]",
		Short: "List WorkflowExecutions, or show some by name",
		Long: `List the WorkflowExecutions of a namespace (-n, else the context's), of every
namespace (-A), or the ones named, with the columns of 'kubectl get wfe'.
-o wide adds the PipelineRun, the duration, the failure reason and whether
the execution holds its target's lock.`,
		Example: `  kubectl wfe get
  kubectl wfe get -A -o wide
  kubectl wfe get -n team-a restart-api -o yaml
  kubectl wfe get -A -o jsonpath='{range .items[*]}{.metadata.name}{"\t"}{.status.phase}{"\n"}{end}'`,
		ValidArgsFunction: o.completeExecutions(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			g.names = args
			if g.all && len(args) > 0 {
				return usageError("a name cannot be given with --all-namespaces")
			}
			if err := g.print.validate(); err != nil {
				return err
			}
			c, err := o.clients()
			if err != nil {
				return err
			}
			return get(cmd.Context(), o.streams, c, g, o.now())
		},
	}
	cmd.Flags().BoolVarP(&g.all, "all-namespaces", "A", false, "List the executions of every namespace.")
	cmd.Flags().StringVarP(&g.selector, "selector", "l", "", "Label selector to filter on, as kubectl get -l.")
	g.print.addFlags(cmd)
	return cmd
}

func get(ctx context.Context, s genericiooptions.IOStreams, c *clients, g getOptions, now time.Time) error {
	ns := c.namespace
	if g.all {
		ns = ""
	}
	client := c.wfe.WorkflowexecutionV1alpha1().WorkflowExecutions(ns)
	list := &v1alpha1.WorkflowExecutionList{}
	var notFound error
	if len(g.names) == 0 {
		l, err := client.List(ctx, metav1.ListOptions{LabelSelector: g.selector})
		if err != nil {
			return fmt.Errorf("listing WorkflowExecutions: %w", err)
		}
		list = l
	}
	for _, name := range g.names {
		w, err := client.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			// kubectl get prints what it found, then fails on the rest.
			notFound = errors.Join(notFound, fmt.Errorf("WorkflowExecution %s/%s: %w", ns, name, err))
			continue
		}
		list.Items = append(list.Items, *w)
	}
	if g.print.table() {
		if len(list.Items) == 0 && len(g.names) == 0 {
			if g.all {
				fmt.Fprintln(s.ErrOut, "No resources found")
			} else {
				fmt.Fprintf(s.ErrOut, "No resources found in %s namespace.\n", ns)
			}
		}
		if err := g.print.printTable(s.Out, executionTable(list.Items, g.all, now)); err != nil {
			return err
		}
		return notFound
	}
	p, err := g.print.print.ToPrinter()
	if err != nil {
		return err
	}
	var obj runtime.Object = list
	if len(g.names) == 1 && len(list.Items) == 1 {
		obj = &list.Items[0]
	} else {
		list.APIVersion, list.Kind = v1alpha1.SchemeGroupVersion.String(), "WorkflowExecutionList"
		for i := range list.Items {
			list.Items[i].APIVersion, list.Items[i].Kind = v1alpha1.SchemeGroupVersion.String(), "WorkflowExecution"
		}
	}
	if g.print.format() == "name" {
		// The name printer takes one object at a time.
		for i := range list.Items {
			if err := p.PrintObj(&list.Items[i], s.Out); err != nil {
				return err
			}
		}
		return notFound
	}
	if len(g.names) == 0 || len(list.Items) > 0 {
		if err := p.PrintObj(obj, s.Out); err != nil {
			return err
		}
	}
	return notFound
}

// executionTable has the columns of `kubectl get wfe` (the CRD's printer
// columns), NAMESPACE first for -A, and wide ones.
func executionTable(items []v1alpha1.WorkflowExecution, withNamespace bool, now time.Time) *metav1.Table {
	names := []string{"Name", "Succeeded", "Reason", "Phase", "Workflow", "Target", "StartTime", "CompletionTime", "Age"}
	if withNamespace {
		names = append([]string{"Namespace"}, names...)
	}
	t := &metav1.Table{ColumnDefinitions: columns(names, "PipelineRun", "Duration", "Failure", "Lock")}
	for i := range items {
		w := &items[i]
		succeeded, reason := "<none>", "<none>"
		if c := w.Status.GetSucceededCondition(); c != nil {
			succeeded, reason = string(c.Status), orNone(c.Reason)
		}
		run, failure := "<none>", "<none>"
		if ref := w.Status.PipelineRunRef; ref != nil {
			run = ref.Namespace + "/" + ref.Name
		}
		if fd := w.Status.FailureDetails; fd != nil {
			failure = string(fd.Reason)
		}
		cells := []string{w.Name, succeeded, reason, orNone(string(w.Status.Phase)), w.Spec.WorkflowRef.WorkflowID, w.Spec.TargetResource,
			since(now, w.Status.StartTime), since(now, w.Status.CompletionTime), ago(now, &w.CreationTimestamp),
			run, orNone(w.Status.Duration), failure, lockState(w)}
		if withNamespace {
			cells = append([]string{w.Namespace}, cells...)
		}
		t.Rows = append(t.Rows, row(cells...))
	}
	return t
}

func since(now time.Time, t *metav1.Time) string {
	if t == nil {
		return "<none>"
	}
	return ago(now, t)
}

// lockState says whether w holds its target's lock: held from the run's
// creation until the controller releases it after the cooldown.
func lockState(w *v1alpha1.WorkflowExecution) string {
	switch {
	case w.Status.LockReleaseTime != nil:
		return "released"
	case w.Status.PipelineRunRef != nil:
		return "held"
	}
	return "<none>"
}
