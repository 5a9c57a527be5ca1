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
// Package e2e runs our controller on the full local stack: the real Tekton
// controller reconciles our PipelineRuns, the bundles resolver pulls the
// Pipeline bundles the tests push to a local registry, and KWOK runs the
// pods (steered by annotations in the bundle, see test/rig/README.md).
package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

var env *framework.Env

// baseConfig keeps finished runs (and their TaskRuns) for the whole suite:
// every test uses its own targets, and the tests read the TaskRuns.
var baseConfig = map[string]string{"cooldown-period": "1h"}

const waitLong = 90 * time.Second

func TestMain(m *testing.M) {
	framework.Main(m, &env, framework.Suite{Name: "e2e", Tier: rig.E2E, Config: baseConfig, StartTimeout: 30 * time.Minute})
}

// prName is the controller's PipelineRun name for target.
var prName = framework.PipelineRunName

func checkInvariant(t *testing.T) {
	t.Cleanup(func() { env.Checker.Verify(t, 5*time.Second) })
}

func TestMissingBundleIsAConfigurationError(t *testing.T) {
	checkInvariant(t)
	ns := env.Namespace(t, "nobundle")
	w := env.Create(t, framework.NewWFE(ns, "missing", env.Target(ns, "Deployment"), "restart", env.Cluster.BundleRef("wf/absent:v9")))
	got := env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseFailed, waitLong)
	fd := got.Status.FailureDetails
	if fd == nil || fd.Reason != v1alpha1.FailureReasonConfigurationError || fd.WasExecutionFailure {
		t.Errorf("failureDetails = %+v, want ConfigurationError before execution", fd)
	}
}

func TestLockConflictAndFinalizerCleanup(t *testing.T) {
	checkInvariant(t)
	image := env.Push(t, "wf/long:v1", framework.Task{Name: "wait", Step: "sleep", Annotations: map[string]string{rig.DelayAnnotation: "1h"}})
	ns := env.Namespace(t, "lock")
	target := env.Target(ns, "Deployment")
	holder := env.Create(t, framework.NewWFE(ns, "holder", target, "restart", image))
	env.WaitForPhase(t, ns, holder.Name, v1alpha1.PhaseRunning, waitLong)
	other := env.Create(t, framework.NewWFE(ns, "other", target, "scale", image))
	got := env.WaitForPhase(t, ns, other.Name, v1alpha1.PhaseSkipped, waitLong)
	if sd := got.Status.SkipDetails; sd == nil || sd.Reason != v1alpha1.SkipReasonResourceBusy || sd.ConflictingWorkflow == nil || sd.ConflictingWorkflow.Name != holder.Name {
		t.Errorf("skipDetails = %+v, want ResourceBusy naming %s", sd, holder.Name)
	}
	// Deleting the holder deletes its run; Kubernetes' garbage collector then
	// removes the run's TaskRuns.
	if err := env.WFE.WorkflowexecutionV1alpha1().WorkflowExecutions(ns).Delete(context.Background(), holder.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	env.WaitGone(t, ns, holder.Name, waitLong)
	env.WaitPipelineRunGone(t, prName(t, target), waitLong)
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, waitLong, true, func(ctx context.Context) (bool, error) {
		trs, err := env.Cluster.Tekton.TektonV1().TaskRuns(rig.ExecutionNamespace).List(ctx, metav1.ListOptions{
			LabelSelector: "tekton.dev/pipelineRun=" + prName(t, target),
		})
		return err == nil && len(trs.Items) == 0, nil
	})
	if err != nil {
		t.Errorf("the deleted run's TaskRuns were left behind")
	}
}

func TestCooldown(t *testing.T) {
	checkInvariant(t)
	image := env.Push(t, "wf/quick:v1", framework.Task{Name: "run", Step: "run", Annotations: map[string]string{rig.DelayAnnotation: "100ms"}})
	ns := env.Namespace(t, "cooldown")
	target := env.Target(ns, "Deployment")
	first := env.Create(t, framework.NewWFE(ns, "first", target, "restart", image))
	env.WaitForPhase(t, ns, first.Name, v1alpha1.PhaseCompleted, waitLong)
	same := env.Create(t, framework.NewWFE(ns, "same", target, "restart", image))
	got := env.WaitForPhase(t, ns, same.Name, v1alpha1.PhaseSkipped, waitLong)
	if sd := got.Status.SkipDetails; sd == nil || sd.Reason != v1alpha1.SkipReasonRecentlyRemediated || sd.RecentRemediation == nil {
		t.Errorf("skipDetails = %+v, want RecentlyRemediated", sd)
	}
	// Another workflow may run inside the cooldown: it takes the finished run over.
	different := env.Create(t, framework.NewWFE(ns, "different", target, "scale", image))
	env.WaitForPhase(t, ns, different.Name, v1alpha1.PhaseCompleted, waitLong)
}

// TestSamplesRun applies config/samples (with the placeholder registry and
// digest replaced by the local ones) so that the documented examples never rot.
func TestSamplesRun(t *testing.T) {
	checkInvariant(t)
	ctx := context.Background()
	dir := filepath.Join(env.Cluster.RepoRoot, "config", "samples")
	source, err := os.ReadFile(filepath.Join(dir, "bundle", "restart-pipeline.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const placeholder = "registry.example.com"
	digest, err := env.Cluster.PushPipelineBundle(ctx, "remediations/restart-deployment:v1.0.0", string(source))
	if err != nil {
		t.Fatalf("pushing the sample bundle: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	objs, err := rig.ReadYAMLFiles(files...)
	if err != nil {
		t.Fatal(err)
	}
	// Each sample runs in its own namespace (that of its target: tenancy as
	// shipped), which TestDocsRun leaves deleted.
	var names [][2]string
	for _, o := range objs {
		if o.GetKind() != "WorkflowExecution" {
			continue
		}
		w := &v1alpha1.WorkflowExecution{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, w); err != nil {
			t.Fatal(err)
		}
		ns := w.Namespace
		if ns == "" {
			t.Fatalf("sample %s has no namespace: kubectl apply would create it in the user's current one", w.Name)
		}
		if err := env.Cluster.CreateNamespace(ctx, ns); err != nil {
			t.Fatal(err)
		}
		w.Spec.WorkflowRef.ContainerImage = strings.Replace(w.Spec.WorkflowRef.ContainerImage, placeholder, env.Cluster.RegistryHost, 1)
		if w.Spec.WorkflowRef.ContainerDigest != "" {
			w.Spec.WorkflowRef.ContainerDigest = digest
		}
		env.Create(t, w)
		env.Cleanup(t, ns, w.Name)
		names = append(names, [2]string{ns, w.Name})
	}
	if len(names) == 0 {
		t.Fatal("config/samples holds no WorkflowExecution")
	}
	for _, n := range names {
		ns, name := n[0], n[1]
		got := env.WaitFor(t, ns, name, "terminal", waitLong, func(w *v1alpha1.WorkflowExecution) bool { return w.Status.IsDone() })
		if got.Status.Phase != v1alpha1.PhaseCompleted {
			t.Errorf("sample %s ended %s: %+v", name, got.Status.Phase, got.Status.FailureDetails)
		}
	}
}
