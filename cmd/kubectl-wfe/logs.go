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
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/safetext"
)

// stepPrefix is the prefix Tekton gives its step containers.
const stepPrefix = "step-"

type logsOptions struct {
	follow bool
	raw    bool
	poll   time.Duration
}

func newLogsCommand(o *options) *cobra.Command {
	l := logsOptions{poll: time.Second}
	cmd := &cobra.Command{
		Use:   "logs NAME",
		Short: "Print the logs of an execution's run, task by task and step by step",
		Long: `Print the logs of the PipelineRun an execution started (status.pipelineRunRef):
its TaskRuns in the order they started, and in each the step containers in
order, every line prefixed with [task : step], as tkn pr logs does. With -f,
follow the run until it ends, waiting for each task and step to start.

Runs execute in the execution namespace (kubernaut-workflows by default):
reading them needs get on pipelineruns, and get/list on taskruns, pods and
pods/log there, which the default install grants to no tenant
(docs/security.md, "Run logs"). Control characters in the output are
escaped unless --raw is given.`,
		Example: `  kubectl wfe logs -n team-a restart-api
  kubectl wfe logs -f -n team-a restart-api`,
		Args:              exactArgs("NAME"),
		ValidArgsFunction: o.completeExecutions(1),
		RunE: o.runE(func(ctx context.Context, c *clients, args []string) error {
			return logs(ctx, o.streams.Out, o.streams.ErrOut, c, args[0], l)
		}),
	}
	cmd.Flags().BoolVarP(&l.follow, "follow", "f", false, "Follow the run until it ends.")
	cmd.Flags().BoolVar(&l.raw, "raw", false, "Print the steps' output unchanged, control characters included.")
	return cmd
}

// logStreamer prints the logs of one PipelineRun.
type logStreamer struct {
	c           *clients
	out, errOut io.Writer
	opts        logsOptions
	unread      int // steps whose logs could not be read
}

func logs(ctx context.Context, out, errOut io.Writer, c *clients, name string, opts logsOptions) error {
	w, err := getExecution(ctx, c, name)
	if err != nil {
		return err
	}
	ref := w.Status.PipelineRunRef
	switch {
	case ref == nil:
		phase := w.Status.Phase
		if phase == "" {
			phase = v1alpha1.PhasePending
		}
		return fmt.Errorf("%s/%s has no PipelineRun (phase %s): no workflow step ran, so there are no logs; see kubectl wfe describe -n %s %s",
			w.Namespace, w.Name, phase, w.Namespace, w.Name)
	case w.Status.LockReleaseTime != nil:
		return fmt.Errorf("%s/%s released its lock at %s: its run %s/%s, and the logs with it, were deleted (docs/operator-runbook.md says how to keep logs)",
			w.Namespace, w.Name, w.Status.LockReleaseTime.UTC().Format(time.RFC3339), ref.Namespace, ref.Name)
	}
	l := &logStreamer{c: c, out: out, errOut: errOut, opts: opts}
	if err := l.pipelineRun(ctx, w, ref.Namespace, ref.Name); err != nil {
		return err
	}
	if l.unread > 0 {
		return fmt.Errorf("the logs of %d step(s) of %s/%s could not be read", l.unread, ref.Namespace, ref.Name)
	}
	return nil
}

// forbidden says what a user who may not read the execution namespace
// should ask for.
func forbidden(w *v1alpha1.WorkflowExecution, ns, run string, err error) error {
	return fmt.Errorf("cannot read the run %s/%s of %s/%s: %w\n"+
		"Runs execute in %s, where the default install gives tenants no rights. Ask your cluster operator for these logs "+
		"(kubectl wfe logs -n %s %s), or for get on pipelineruns and get/list on taskruns, pods and pods/log in %s "+
		"(docs/security.md, \"Run logs\"). The failure details need no such rights: kubectl wfe describe -n %s %s",
		ns, run, w.Namespace, w.Name, err, ns, w.Namespace, w.Name, ns, w.Namespace, w.Name)
}

func (l *logStreamer) pipelineRun(ctx context.Context, w *v1alpha1.WorkflowExecution, ns, name string) error {
	done := map[string]bool{}
	for {
		pr, err := l.c.tekton.TektonV1().PipelineRuns(ns).Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsForbidden(err):
			return forbidden(w, ns, name, err)
		case apierrors.IsNotFound(err):
			return fmt.Errorf("the run %s/%s of %s/%s is gone, and its logs with it", ns, name, w.Namespace, w.Name)
		case err != nil:
			return fmt.Errorf("reading PipelineRun %s/%s: %w", ns, name, err)
		}
		trs, err := l.taskRuns(ctx, ns, name)
		if err != nil {
			if apierrors.IsForbidden(err) {
				return forbidden(w, ns, name, err)
			}
			return err
		}
		for i := range trs {
			tr := &trs[i]
			if done[tr.Name] {
				continue
			}
			if tr.Status.PodName == "" {
				if l.opts.follow && !tr.IsDone() {
					break // wait for it, keeping the order
				}
				if tr.IsDone() {
					fmt.Fprintf(l.errOut, "[%s] no pod ran: %s\n", safetext.Escape(taskName(tr)), safetext.Escape(tr.Status.GetCondition("Succeeded").GetMessage()))
				}
				done[tr.Name] = true
				continue
			}
			if err := l.taskRun(ctx, tr); err != nil {
				return err
			}
			done[tr.Name] = true
		}
		if !l.opts.follow || (pr.IsDone() && len(done) == len(trs)) {
			return nil
		}
		if err := sleep(ctx, l.opts.poll); err != nil {
			return err
		}
	}
}

// taskRuns are the run's TaskRuns in the order they started.
func (l *logStreamer) taskRuns(ctx context.Context, ns, run string) ([]pipelinev1.TaskRun, error) {
	list, err := l.c.tekton.TektonV1().TaskRuns(ns).List(ctx, metav1.ListOptions{
		LabelSelector: labels.Set{pipeline.PipelineRunLabelKey: run}.String(),
	})
	if err != nil {
		return nil, fmt.Errorf("listing the TaskRuns of %s/%s: %w", ns, run, err)
	}
	trs := list.Items
	start := func(tr *pipelinev1.TaskRun) time.Time {
		if tr.Status.StartTime != nil {
			return tr.Status.StartTime.Time
		}
		return tr.CreationTimestamp.Time
	}
	sort.SliceStable(trs, func(i, j int) bool {
		a, b := start(&trs[i]), start(&trs[j])
		if !a.Equal(b) {
			return a.Before(b)
		}
		return trs[i].Name < trs[j].Name
	})
	return trs, nil
}

func taskName(tr *pipelinev1.TaskRun) string {
	if t := tr.Labels[pipeline.PipelineTaskLabelKey]; t != "" {
		return t
	}
	return tr.Name
}

// taskRun prints the logs of tr's steps, in the order of its pod's step
// containers.
func (l *logStreamer) taskRun(ctx context.Context, tr *pipelinev1.TaskRun) error {
	task := taskName(tr)
	pods := l.c.kube.CoreV1().Pods(tr.Namespace)
	pod, err := pods.Get(ctx, tr.Status.PodName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		fmt.Fprintf(l.errOut, "[%s] pod %s is gone, and its logs with it\n", safetext.Escape(task), tr.Status.PodName)
		return nil
	case err != nil:
		return fmt.Errorf("reading pod %s/%s: %w", tr.Namespace, tr.Status.PodName, err)
	}
	for _, ctr := range pod.Spec.Containers {
		if !strings.HasPrefix(ctr.Name, stepPrefix) {
			continue
		}
		prefix := fmt.Sprintf("[%s : %s] ", safetext.Escape(task), safetext.Escape(strings.TrimPrefix(ctr.Name, stepPrefix)))
		started := containerStarted(pod, ctr.Name)
		for l.opts.follow && !started {
			if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed || pod.DeletionTimestamp != nil {
				break
			}
			if err := sleep(ctx, l.opts.poll); err != nil {
				return err
			}
			next, err := pods.Get(ctx, pod.Name, metav1.GetOptions{})
			if err != nil {
				fmt.Fprintf(l.errOut, "%spod %s: %s\n", prefix, pod.Name, safetext.Escape(err.Error()))
				return nil
			}
			pod = next
			started = containerStarted(pod, ctr.Name)
		}
		if !started {
			continue // nothing to read yet
		}
		l.stream(ctx, pod, ctr.Name, prefix)
	}
	return nil
}

func containerStarted(pod *corev1.Pod, name string) bool {
	for _, s := range pod.Status.ContainerStatuses {
		if s.Name == name {
			return s.State.Running != nil || s.State.Terminated != nil
		}
	}
	return false
}

// stream copies one container's log, line by line, behind prefix. An error
// is reported on errOut and counted: the other steps are still printed.
func (l *logStreamer) stream(ctx context.Context, pod *corev1.Pod, container, prefix string) {
	rc, err := l.c.kube.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{
		Container: container, Follow: l.opts.follow,
	}).Stream(ctx)
	if err != nil {
		l.unread++
		fmt.Fprintf(l.errOut, "%scannot read the logs: %s\n", prefix, safetext.Escape(err.Error()))
		return
	}
	defer rc.Close()
	r := bufio.NewReader(rc)
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			line = strings.TrimSuffix(line, "\n")
			if !l.opts.raw {
				line = safetext.Escape(line)
			}
			fmt.Fprintf(l.out, "%s%s\n", prefix, line)
		}
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			l.unread++
			fmt.Fprintf(l.errOut, "%sreading the logs: %v\n", prefix, err)
			return
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
