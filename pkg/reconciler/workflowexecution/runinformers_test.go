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
package workflowexecution

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	faketektonclient "github.com/tektoncd/pipeline/pkg/client/injection/client/fake"
	filteredinformerfactory "github.com/tektoncd/pipeline/pkg/client/injection/informers/factory/filtered"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	clientgotesting "k8s.io/client-go/testing"
	fakekubeclient "knative.dev/pkg/client/injection/kube/client/fake"
	rtesting "knative.dev/pkg/reconciler/testing"
	"knative.dev/pkg/system"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
)

// fakeContext is a fake injection context (the fixture's fake Tekton
// informers need the selector).
func fakeContext(t *testing.T) context.Context {
	ctx, cancel, _ := rtesting.SetupFakeContextWithCancel(t, func(ctx context.Context) context.Context {
		return filteredinformerfactory.WithSelectors(ctx, resources.LabelSelector)
	})
	t.Cleanup(cancel)
	return ctx
}

// TestNamespacedRunInformers: the run informers list and watch the
// execution namespace only, with our label selector, so that the
// controller needs no read rights on runs elsewhere; they are synced when
// start returns.
func TestNamespacedRunInformers(t *testing.T) {
	ctx := fakeContext(t)
	tekton := faketektonclient.Get(ctx)
	ours := map[string]string{workflowexecution.WorkflowExecutionLabelKey: "x"}
	meta := func(ns, name string, l map[string]string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Namespace: ns, Name: name, Labels: l}
	}
	for _, o := range []runtime.Object{
		&pipelinev1.PipelineRun{ObjectMeta: meta("runs", "ours", ours)},
		&pipelinev1.PipelineRun{ObjectMeta: meta("runs", "unlabelled", nil)},
		&pipelinev1.PipelineRun{ObjectMeta: meta("elsewhere", "labelled", ours)},
		&pipelinev1.TaskRun{ObjectMeta: meta("runs", "ours-task", ours)},
		&pipelinev1.TaskRun{ObjectMeta: meta("runs", "unlabelled-task", nil)},
		&pipelinev1.TaskRun{ObjectMeta: meta("elsewhere", "labelled-task", ours)},
	} {
		if err := tekton.Tracker().Add(o); err != nil {
			t.Fatal(err)
		}
	}

	informers := namespacedRunInformers(ctx, "runs")
	informers.start(ctx)
	if !informers.pipelineRuns.Informer().HasSynced() || !informers.taskRuns.Informer().HasSynced() {
		t.Fatal("start returned before the caches synced")
	}

	prs, _ := informers.pipelineRuns.Lister().List(labels.Everything())
	trs, _ := informers.taskRuns.Lister().List(labels.Everything())
	var cached []string
	for _, pr := range prs {
		cached = append(cached, "PipelineRun "+pr.Namespace+"/"+pr.Name)
	}
	for _, tr := range trs {
		cached = append(cached, "TaskRun "+tr.Namespace+"/"+tr.Name)
	}
	sort.Strings(cached)
	if diff := cmp.Diff([]string{"PipelineRun runs/ours", "TaskRun runs/ours-task"}, cached); diff != "" {
		t.Errorf("cached runs (-want, +got):\n%s", diff)
	}

	// What RBAC sees: every read is a list or watch in the namespace,
	// with the selector.
	var reads []string
	for _, a := range tekton.Actions() {
		var sel labels.Selector
		switch a := a.(type) {
		case clientgotesting.ListActionImpl:
			sel = a.GetListRestrictions().Labels
		case clientgotesting.WatchActionImpl:
			sel = a.GetWatchRestrictions().Labels
		}
		reads = append(reads, fmt.Sprintf("%s %s in %q selecting %q",
			a.GetVerb(), a.GetResource().Resource, a.GetNamespace(), sel))
	}
	sort.Strings(reads)
	sel := workflowexecution.WorkflowExecutionLabelKey
	want := []string{
		`list pipelineruns in "runs" selecting "` + sel + `"`,
		`list taskruns in "runs" selecting "` + sel + `"`,
		`watch pipelineruns in "runs" selecting "` + sel + `"`,
		`watch taskruns in "runs" selecting "` + sel + `"`,
	}
	if diff := cmp.Diff(want, reads); diff != "" {
		t.Errorf("API reads (-want, +got):\n%s", diff)
	}
}

// TestExecutionNamespaceAtStart: execution-namespace is read from the API
// server before the ConfigMap watcher starts; what the store would not
// accept means the default; a failed read is retried.
func TestExecutionNamespaceAtStart(t *testing.T) {
	tests := []struct {
		name string
		// data is config-workflowexecution's; nil: no ConfigMap.
		data map[string]string
		// failures is how many reads fail before the API server answers.
		failures int
		want     string
	}{
		{name: "no ConfigMap", want: config.DefaultExecutionNamespace},
		{name: "no key", data: map[string]string{config.CooldownPeriodKey: "1m"}, want: config.DefaultExecutionNamespace},
		{name: "set", data: map[string]string{config.ExecutionNamespaceKey: " runs "}, want: "runs"},
		{name: "bad value", data: map[string]string{config.ExecutionNamespaceKey: "Not_A_Namespace"}, want: config.DefaultExecutionNamespace},
		{name: "another key is bad", data: map[string]string{config.ExecutionNamespaceKey: "runs", config.CooldownPeriodKey: "soon"}, want: "runs"},
		{name: "read retried", data: map[string]string{config.ExecutionNamespaceKey: "runs"}, failures: 1, want: "runs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := fakeContext(t)
			kube := fakekubeclient.Get(ctx)
			if tc.data != nil {
				cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: config.ConfigName, Namespace: system.Namespace()}, Data: tc.data}
				if _, err := kube.CoreV1().ConfigMaps(cm.Namespace).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			failures := tc.failures
			kube.PrependReactor("get", "configmaps", func(clientgotesting.Action) (bool, runtime.Object, error) {
				if failures > 0 {
					failures--
					return true, nil, errors.New("connection refused")
				}
				return false, nil, nil
			})
			if got := executionNamespaceAtStart(ctx); got != tc.want {
				t.Errorf("executionNamespaceAtStart() = %q, want %q", got, tc.want)
			}
			if failures != 0 {
				t.Errorf("%d injected failures left: the read was not retried", failures)
			}
		})
	}
}

// TestExecutionNamespaceChangedLive: runs stay in the namespace read at
// start, the one the informers watch, until the controller restarts.
func TestExecutionNamespaceChangedLive(t *testing.T) {
	f := newFixture(t, objects(self(t, "")))
	f.setConfig(map[string]string{config.ExecutionNamespaceKey: "elsewhere"})
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("Reconcile() = %v", err)
	}
	if diff := cmp.Diff([]string{"create " + execNS + "/" + prName}, f.tektonActions()); diff != "" {
		t.Errorf("Tekton actions (-want, +got):\n%s", diff)
	}
}
