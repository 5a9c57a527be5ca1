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

// Command kubectl-wfe is a kubectl plugin for WorkflowExecutions. Put it on
// PATH and run it as `kubectl wfe`:
//
//	kubectl wfe why [-n NS] NAME         why an execution failed or was skipped, what to do, where the logs are
//	kubectl wfe locks                    every locked target: holder, since, cooldown remaining, run
//	kubectl wfe release [--dry-run] TARGET
//	                                     delete the run that locks TARGET, only when no live execution owns it
//	kubectl wfe version                  the plugin's and the installed controller's versions
//
// Common flags: --kubeconfig, --context, -n/--namespace, --system-namespace.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	tektonclient "github.com/tektoncd/pipeline/pkg/client/clientset/versioned"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	wfeclient "kubernaut.ai/workflowexecution/pkg/client/clientset/versioned"
)

const usage = `kubectl wfe: inspect WorkflowExecutions and their locks.

  kubectl wfe why [-n NAMESPACE] NAME     why the execution failed or was skipped, what to do, where the logs are
  kubectl wfe locks                       every locked target: holder, since, cooldown remaining, run
  kubectl wfe release [--dry-run] TARGET  free a stuck lock: delete the run that holds TARGET,
                                          refused while a live execution owns it
  kubectl wfe version                     the plugin's and the installed controller's versions

Flags: --kubeconfig FILE, --context NAME, -n/--namespace NS, --system-namespace NS (default kubernaut-system)
`

// errUsage is a command line error; main prints the usage with it.
var errUsage = errors.New("usage")

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := run(ctx, os.Args[1:], os.Stdout, newClients)
	switch {
	case errors.Is(err, errUsage):
		fmt.Fprintf(os.Stderr, "kubectl wfe: %v\n\n%s", err, usage)
		os.Exit(2)
	case err != nil:
		fmt.Fprintf(os.Stderr, "kubectl wfe: %v\n", err)
		os.Exit(1)
	}
}

// options are the flags every command takes.
type options struct {
	kubeconfig, context, namespace, systemNamespace string
	dryRun                                          bool
}

// clients are what the commands talk to.
type clients struct {
	wfe       wfeclient.Interface
	tekton    tektonclient.Interface
	kube      kubernetes.Interface
	namespace string // from -n, else the kubeconfig context's
}

type clientFactory func(o options) (*clients, error)

func newClients(o options) (*clients, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.kubeconfig
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: o.context})
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("loading the kubeconfig: %w", err)
	}
	ns := o.namespace
	if ns == "" {
		if ns, _, err = cc.Namespace(); err != nil {
			return nil, fmt.Errorf("the kubeconfig's namespace: %w", err)
		}
	}
	c := &clients{namespace: ns}
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

// parse parses flags and positional arguments in any order.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func run(ctx context.Context, args []string, out io.Writer, newClients clientFactory) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: no command", errUsage)
	}
	cmd := args[0]
	var o options
	fs := flag.NewFlagSet("kubectl wfe "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "path to the kubeconfig")
	fs.StringVar(&o.context, "context", "", "kubeconfig context")
	fs.StringVar(&o.namespace, "namespace", "", "namespace of the execution")
	fs.StringVar(&o.namespace, "n", "", "namespace of the execution")
	fs.StringVar(&o.systemNamespace, "system-namespace", "kubernaut-system", "namespace of the controller and its ConfigMaps")
	if cmd == "release" {
		fs.BoolVar(&o.dryRun, "dry-run", false, "say what would be done, change nothing")
	}
	var want int
	switch cmd {
	case "why", "release":
		want = 1
	case "locks", "version":
		want = 0
	case "-h", "--help", "help":
		fmt.Fprint(out, usage)
		return nil
	default:
		return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
	}
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != want {
		return fmt.Errorf("%w: %s takes %d argument(s), got %d", errUsage, cmd, want, len(pos))
	}
	c, err := newClients(o)
	if err != nil {
		return err
	}
	switch cmd {
	case "why":
		return why(ctx, out, c, pos[0])
	case "locks":
		return locks(ctx, out, c, o.systemNamespace, time.Now())
	case "release":
		return release(ctx, out, c, o.systemNamespace, pos[0], o.dryRun)
	default:
		return printVersion(ctx, out, c, o.systemNamespace)
	}
}
