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
// PATH (with kubectl_complete-wfe beside it for shell completion through
// kubectl) and run it as `kubectl wfe`:
//
//	kubectl wfe get [NAME...] [-A] [-o wide|json|yaml|name|jsonpath=...]
//	kubectl wfe describe NAME         spec, conditions, failure or skip, lock, cooldown, run, events
//	kubectl wfe why NAME              why an execution failed or was skipped, what to do, where the logs are
//	kubectl wfe logs [-f] NAME        the logs of its run, task by task, step by step
//	kubectl wfe locks [-A] [-o ...]   every locked target: holder, since, cooldown remaining, run
//	kubectl wfe release [--dry-run] TARGET
//	                                  delete the run that locks TARGET, only when no live execution owns it
//	kubectl wfe version               the plugin's and the installed controller's versions
//	kubectl wfe completion SHELL      shell completion (bash, zsh, fish, powershell)
//
// Every command takes kubectl's standard flags (k8s.io/cli-runtime).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"kubernaut.ai/workflowexecution/pkg/safetext"
)

func main() {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	cmd := newRootCommand(streams, newClients, time.Now)
	err := cmd.ExecuteContext(ctx)
	switch {
	case errors.Is(err, errUsage):
		fmt.Fprintf(os.Stderr, "error: %s\nSee 'kubectl wfe --help' for usage.\n", safetext.Escape(err.Error()))
		os.Exit(2)
	case err != nil:
		fmt.Fprintf(os.Stderr, "error: %s\n", safetext.Escape(err.Error()))
		os.Exit(1)
	}
}
