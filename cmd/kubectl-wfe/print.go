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

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/printers"

	"kubernaut.ai/workflowexecution/pkg/client/clientset/versioned/scheme"
	"kubernaut.ai/workflowexecution/pkg/safetext"
)

// printFlags are -o and --no-headers, as kubectl get has them: a table
// (wide or not) by default, else cli-runtime's printers.
type printFlags struct {
	print     *genericclioptions.PrintFlags
	noHeaders bool
}

func newPrintFlags() *printFlags {
	return &printFlags{print: genericclioptions.NewPrintFlags("").WithTypeSetter(scheme.Scheme)}
}

func (p *printFlags) addFlags(cmd *cobra.Command) {
	p.print.AddFlags(cmd)
	formats := append([]string{"wide"}, p.print.AllowedFormats()...)
	cmd.Flags().Lookup("output").Usage = "Output format. One of: (" + strings.Join(formats, ", ") + ")."
	cmd.Flags().BoolVar(&p.noHeaders, "no-headers", false, "When using the default or wide output format, don't print headers.")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return formats, cobra.ShellCompDirectiveNoFileComp
	})
}

func (p *printFlags) format() string { return *p.print.OutputFormat }

func (p *printFlags) table() bool { return p.format() == "" || p.format() == "wide" }

// validate rejects an unknown -o before any request is made.
func (p *printFlags) validate() error {
	if p.table() {
		return nil
	}
	if _, err := p.print.ToPrinter(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

// printTable prints t as kubectl get does. Cells must be escaped already
// (see row).
func (p *printFlags) printTable(out io.Writer, t *metav1.Table) error {
	return printers.NewTablePrinter(printers.PrintOptions{Wide: p.format() == "wide", NoHeaders: p.noHeaders}).PrintObj(t, out)
}

// row is a table row of text cells, each escaped for the terminal.
func row(cells ...string) metav1.TableRow {
	r := metav1.TableRow{Cells: make([]any, len(cells))}
	for i, c := range cells {
		r.Cells[i] = safetext.Escape(c)
	}
	return r
}

// columns defines a table's columns; those after wide are shown with -o wide only.
func columns(names []string, wide ...string) []metav1.TableColumnDefinition {
	var defs []metav1.TableColumnDefinition
	for _, n := range names {
		defs = append(defs, metav1.TableColumnDefinition{Name: n, Type: "string"})
	}
	for _, n := range wide {
		defs = append(defs, metav1.TableColumnDefinition{Name: n, Type: "string", Priority: 1})
	}
	return defs
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// registerNamespaceCompletion completes -n with the cluster's namespaces.
func registerNamespaceCompletion(root *cobra.Command, o *options) {
	_ = root.RegisterFlagCompletionFunc("namespace", func(cmd *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		c, err := o.clients()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		list, err := c.kube.CoreV1().Namespaces().List(cmd.Context(), metav1.ListOptions{})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var names []string
		for _, n := range list.Items {
			if strings.HasPrefix(n.Name, prefix) {
				names = append(names, n.Name)
			}
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	})
}

// completeExecutions completes an execution name in the namespace of -n.
func (o *options) completeExecutions(max int) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if max > 0 && len(args) >= max {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		c, err := o.clients()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		list, err := c.wfe.WorkflowexecutionV1alpha1().WorkflowExecutions(c.namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var names []string
		for _, w := range list.Items {
			if strings.HasPrefix(w.Name, prefix) {
				names = append(names, w.Name)
			}
		}
		sort.Strings(names)
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}
