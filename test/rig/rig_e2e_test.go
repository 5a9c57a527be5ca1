//go:build e2e

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

package rig

import (
	"context"
	"fmt"
	"testing"
	"time"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"knative.dev/pkg/apis"
)

// twoTaskPipeline is a bundle Pipeline "workflow" with tasks "first" and
// "second"; secondAnnotations go on the second task's embedded taskSpec
// metadata (and so on its pod).
func twoTaskPipeline(secondAnnotations string) string {
	return fmt.Sprintf(`
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: workflow
spec:
  params:
  - name: TARGET_RESOURCE
    type: string
    default: ""
  tasks:
  - name: first
    taskSpec:
      steps:
      - name: run
        image: registry.invalid/busybox
        script: echo first
  - name: second
    runAfter: [first]
    taskSpec:
      metadata:
        annotations: {%s}
      steps:
      - name: run
        image: registry.invalid/busybox
        script: echo second
`, secondAnnotations)
}

func bundlePipelineRun(name, bundle string, annotations map[string]string) *tektonv1.PipelineRun {
	return &tektonv1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault, Annotations: annotations},
		Spec: tektonv1.PipelineRunSpec{
			PipelineRef: &tektonv1.PipelineRef{ResolverRef: tektonv1.ResolverRef{
				Resolver: "bundles",
				Params: tektonv1.Params{
					{Name: "bundle", Value: *tektonv1.NewStructuredValues(bundle)},
					{Name: "name", Value: *tektonv1.NewStructuredValues("workflow")},
					{Name: "kind", Value: *tektonv1.NewStructuredValues("pipeline")},
				},
			}},
		},
	}
}

// waitPipelineRunDone waits for the Succeeded condition to leave Unknown.
func waitPipelineRunDone(ctx context.Context, t *testing.T, c *Cluster, name string) *apis.Condition {
	t.Helper()
	var cond *apis.Condition
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 90*time.Second, true, func(ctx context.Context) (bool, error) {
		pr, err := c.Tekton.TektonV1().PipelineRuns(metav1.NamespaceDefault).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		cond = pr.Status.GetCondition(apis.ConditionSucceeded)
		return cond != nil && cond.Status != corev1.ConditionUnknown, nil
	})
	if err != nil {
		t.Fatalf("PipelineRun %s not done: %v (last condition %+v)", name, err, cond)
	}
	return cond
}

func stepExitCode(ctx context.Context, t *testing.T, c *Cluster, pr, task string) int32 {
	t.Helper()
	trs, err := c.Tekton.TektonV1().TaskRuns(metav1.NamespaceDefault).List(ctx, metav1.ListOptions{
		LabelSelector: "tekton.dev/pipelineRun=" + pr + ",tekton.dev/pipelineTask=" + task,
	})
	if err != nil || len(trs.Items) != 1 {
		t.Fatalf("TaskRun of %s/%s: %v (%d found)", pr, task, err, len(trs.Items))
	}
	steps := trs.Items[0].Status.Steps
	if len(steps) == 0 || steps[0].Terminated == nil {
		t.Fatalf("TaskRun %s has no terminated step: %+v", trs.Items[0].Name, steps)
	}
	return steps[0].Terminated.ExitCode
}

func TestE2ETier(t *testing.T) {
	c := StartForTest(t, Options{Tier: E2E, ConfigDir: "testdata/config"})
	ctx := testContext(t, 5*time.Minute)

	okDigest, err := c.PushPipelineBundle(ctx, "wf/ok:v1", twoTaskPipeline(""))
	if err != nil {
		t.Fatal(err)
	}
	failDigest, err := c.PushPipelineBundle(ctx, "wf/fail:v1", twoTaskPipeline(`"`+ExitCodeAnnotation+`": "3"`))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name        string
		bundle      string
		annotations map[string]string
		wantStatus  corev1.ConditionStatus
		wantCodes   map[string]int32
	}{{
		name:       "succeeds",
		bundle:     c.BundleRef("wf/ok@" + okDigest),
		wantStatus: corev1.ConditionTrue,
		wantCodes:  map[string]int32{"first": 0, "second": 0},
	}, {
		name:       "bundle steers the second task to exit 3",
		bundle:     c.BundleRef("wf/fail:v1"),
		wantStatus: corev1.ConditionFalse,
		wantCodes:  map[string]int32{"first": 0, "second": 3},
	}, {
		name:        "PipelineRun annotations steer the first task to exit 7",
		bundle:      c.BundleRef("wf/ok@" + okDigest),
		annotations: map[string]string{FailTaskAnnotation: "first", ExitCodeAnnotation: "7", DelayAnnotation: "200ms"},
		wantStatus:  corev1.ConditionFalse,
		wantCodes:   map[string]int32{"first": 7},
	}}
	_ = failDigest
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := fmt.Sprintf("pr-%d", i)
			start := time.Now()
			if _, err := c.Tekton.TektonV1().PipelineRuns(metav1.NamespaceDefault).Create(ctx, bundlePipelineRun(name, tc.bundle, tc.annotations), metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			cond := waitPipelineRunDone(ctx, t, c, name)
			t.Logf("%s: Succeeded=%s/%s after %s", name, cond.Status, cond.Reason, time.Since(start).Round(time.Millisecond))
			if cond.Status != tc.wantStatus {
				t.Errorf("Succeeded = %s (%s: %s), want %s", cond.Status, cond.Reason, cond.Message, tc.wantStatus)
			}
			for task, want := range tc.wantCodes {
				if got := stepExitCode(ctx, t, c, name, task); got != want {
					t.Errorf("task %s: step exit code = %d, want %d", task, got, want)
				}
			}
		})
	}

	pids := c.PIDs()
	for _, name := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "tekton-controller", "tekton-resolvers"} {
		if pids[name] == 0 {
			t.Errorf("no pid for %s in %v", name, pids)
		}
	}
	c.Stop()
	assertGone(t, pids)
}

// TestE2ERealController smoke-tests the rig with the real config/ and
// cmd/controller: the controller, running as its ServiceAccount, gets ready.
func TestE2ERealController(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if !fileExists(root+"/config") || !fileExists(root+"/cmd/controller") {
		t.Skip("no config/ or cmd/controller yet")
	}
	c := StartForTest(t, Options{Tier: E2E})
	ctx := testContext(t, 3*time.Minute)
	ctl := c.StartController(t, ControllerOptions{Args: []string{"--disable-ha"}})
	start := time.Now()
	if err := ctl.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("controller ready %s after start", time.Since(start).Round(time.Millisecond))
}
