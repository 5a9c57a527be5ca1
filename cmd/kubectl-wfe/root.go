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
	"io"
	"time"

	"github.com/spf13/cobra"
	tektonclient "github.com/tektoncd/pipeline/pkg/client/clientset/versioned"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"

	wfeclient "kubernaut.ai/workflowexecution/pkg/client/clientset/versioned"
)

// errUsage is a command line error: main exits 2 on it.
var errUsage = errors.New("usage")

func usageError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// clients are what the commands talk to.
type clients struct {
	wfe    wfeclient.Interface
	tekton tektonclient.Interface
	kube   kubernetes.Interface
	// namespace is -n, else the kubeconfig context's; explicit says -n was given.
	namespace string
	explicit  bool
}

type clientFactory func(*genericclioptions.ConfigFlags) (*clients, error)

// newClients builds the clients from kubectl's standard flags.
func newClients(f *genericclioptions.ConfigFlags) (*clients, error) {
	cfg, err := f.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	ns, explicit, err := f.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, fmt.Errorf("the kubeconfig's namespace: %w", err)
	}
	c := &clients{namespace: ns, explicit: explicit}
	if c.wfe, err = wfeclient.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if c.tekton, err = tektonclient.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if c.kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return nil, err
	}
	return c, nil
}

// options are shared by every command.
type options struct {
	streams         genericiooptions.IOStreams
	config          *genericclioptions.ConfigFlags
	systemNamespace string
	newClients      clientFactory
	now             func() time.Time
}

func (o *options) clients() (*clients, error) {
	return o.newClients(o.config)
}

// runE is a cobra RunE that builds the clients, then runs f.
func (o *options) runE(f func(ctx context.Context, c *clients, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		c, err := o.clients()
		if err != nil {
			return err
		}
		return f(cmd.Context(), c, args)
	}
}

const rootLong = `kubectl wfe inspects WorkflowExecutions, their runs and the locks they hold.

Every command takes kubectl's standard flags (--kubeconfig, --context, -n,
--as, --token, --server, --request-timeout, ...); see 'kubectl wfe options'.
Text that an execution's author wrote (workflow ids, targets, parameters,
messages) is printed with control characters escaped; -o json and -o yaml
print the data as stored.`

func newRootCommand(streams genericiooptions.IOStreams, newClients clientFactory, now func() time.Time) *cobra.Command {
	o := &options{
		streams:    streams,
		config:     genericclioptions.NewConfigFlags(true),
		newClients: newClients,
		now:        now,
	}
	root := &cobra.Command{
		Use:   "kubectl-wfe",
		Short: "Inspect WorkflowExecutions, their runs and locks",
		Long:  rootLong,
		Annotations: map[string]string{
			cobra.CommandDisplayNameAnnotation: "kubectl wfe",
		},
		SilenceUsage:  true,
		SilenceErrors: true,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError("unknown command %q", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(streams.ErrOut)
			_ = cmd.Help()
			return usageError("no command")
		},
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return fmt.Errorf("%w: %v", errUsage, err)
	})
	o.config.AddFlags(root.PersistentFlags())
	root.PersistentFlags().StringVar(&o.systemNamespace, "system-namespace", "kubernaut-system",
		"namespace of the controller and its ConfigMaps")
	registerNamespaceCompletion(root, o)
	root.AddCommand(
		newGetCommand(o),
		newDescribeCommand(o),
		newWhyCommand(o),
		newLogsCommand(o),
		newLocksCommand(o),
		newReleaseCommand(o),
		newVersionCommand(o),
		newOptionsCommand(),
	)
	return root
}

// exactArgs is cobra.ExactArgs as a usage error naming the argument.
func exactArgs(what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != 1 {
			return usageError("%s takes one argument, %s, got %d", cmd.Name(), what, len(args))
		}
		return nil
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) != 0 {
		return usageError("%s takes no arguments, got %q", cmd.Name(), args)
	}
	return nil
}

// newOptionsCommand prints the flags every command takes, as kubectl options does.
func newOptionsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "options",
		Short: "Print the flags inherited by all commands",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), "The following options can be passed to any command:")
			fmt.Fprintln(cmd.OutOrStdout())
			_, err := io.WriteString(cmd.OutOrStdout(), cmd.InheritedFlags().FlagUsages())
			return err
		},
	}
}

// ago is kubectl's age of t: 5m, 3h, 2d; <unknown> when unset.
func ago(now time.Time, t *metav1.Time) string {
	if t == nil || t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}
