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
// Package framework is what the integration and e2e suites share: a running
// rig with our controller, clients, the invariant checker, and helpers to
// create executions and wait for them.
package framework

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	wfeclient "kubernaut.ai/workflowexecution/pkg/client/clientset/versioned"
	"kubernaut.ai/workflowexecution/test/rig"
)

// Env is a running rig with our controller.
type Env struct {
	Cluster    *rig.Cluster
	WFE        wfeclient.Interface
	Controller *rig.Controller
	Checker    *Checker
	seq        atomic.Int64
	plugin     kubectlWFE
}

// Start brings up a rig of the tier, installs config/ with cfg applied to
// config-workflowexecution, starts the checker and one controller. Call
// from TestMain; Stop tears everything down.
func Start(ctx context.Context, tier rig.Tier, cfg map[string]string) (*Env, error) {
	c, err := rig.Start(ctx, rig.Options{Tier: tier, Logf: logf})
	if err != nil {
		return nil, err
	}
	env := &Env{Cluster: c}
	if env.WFE, err = wfeclient.NewForConfig(c.RESTConfig); err != nil {
		c.Stop()
		return nil, err
	}
	if err := env.SetConfig(ctx, cfg); err != nil {
		c.Stop()
		return nil, err
	}
	if env.Checker, err = StartChecker(ctx, c.Tekton, env.WFE); err != nil {
		c.Stop()
		return nil, err
	}
	if env.Controller, err = c.RunController(ctx, rig.ControllerOptions{Args: []string{"--disable-ha"}}); err != nil {
		env.Stop()
		return nil, err
	}
	if err := env.Controller.WaitReady(ctx); err != nil {
		env.Stop()
		return nil, fmt.Errorf("controller not ready: %w\n%s", err, tail(env.Controller.Logs(), 40))
	}
	return env, nil
}

func logf(format string, args ...any) {
	if os.Getenv("WFE_RIG_VERBOSE") != "" {
		fmt.Fprintf(os.Stderr, "rig: "+format+"\n", args...)
	}
}

// Stop tears everything down.
func (e *Env) Stop() {
	if e.Checker != nil {
		e.Checker.Stop()
	}
	e.Cluster.Stop()
}

// SetConfig writes data over the shipped config-workflowexecution: keys
// absent from data are removed, so they take their defaults, tenancy
// included (only kubernaut-system is trusted). A test whose executions
// target another namespace creates them in rig.SystemNamespace, or sets
// trusted-namespaces itself and says why.
func (e *Env) SetConfig(ctx context.Context, data map[string]string) error {
	cms := e.Cluster.Kube.CoreV1().ConfigMaps(rig.SystemNamespace)
	cm, err := cms.Get(ctx, config.ConfigName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	example := cm.Data["_example"]
	cm.Data = map[string]string{"_example": example}
	for k, v := range data {
		cm.Data[k] = v
	}
	_, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
	return err
}

// PatchConfigMap merges data into the ConfigMap ns/name (a nil value
// removes a key).
func (e *Env) PatchConfigMap(t testing.TB, ns, name string, data map[string]any) {
	t.Helper()
	patch, err := json.Marshal(map[string]any{"data": data})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Cluster.Kube.CoreV1().ConfigMaps(ns).Patch(context.Background(), name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatalf("patching %s/%s: %v", ns, name, err)
	}
}

// RestartWithConfig applies data to config-workflowexecution and restarts
// the controller so that the test starts from a known configuration.
func (e *Env) RestartWithConfig(t testing.TB, data map[string]string) {
	t.Helper()
	ctx := context.Background()
	if err := e.SetConfig(ctx, data); err != nil {
		t.Fatalf("setting config: %v", err)
	}
	if err := e.Controller.Restart(); err != nil {
		t.Fatalf("restarting the controller: %v", err)
	}
	if err := e.Controller.WaitReady(ctx); err != nil {
		t.Fatalf("controller not ready after restart: %v\n%s", err, tail(e.Controller.Logs(), 40))
	}
}

// Namespace creates a fresh namespace for a test.
func (e *Env) Namespace(t testing.TB, prefix string) string {
	t.Helper()
	name := fmt.Sprintf("%s-%d", prefix, e.seq.Add(1))
	if err := e.Cluster.CreateNamespace(context.Background(), name); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	return name
}

// Target returns a target in namespace ns that no other test uses. An
// execution may target only its own namespace unless it is created in a
// trusted one (rig.SystemNamespace as shipped).
func (e *Env) Target(ns, kind string) string {
	return fmt.Sprintf("%s/%s/api-%d", ns, kind, e.seq.Add(1))
}

// NewWFE builds an execution; opts adjust it.
func NewWFE(ns, name, target, workflowID, image string, opts ...func(*v1alpha1.WorkflowExecution)) *v1alpha1.WorkflowExecution {
	w := &v1alpha1.WorkflowExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.WorkflowExecutionSpec{
			WorkflowRef: v1alpha1.WorkflowRef{
				WorkflowID:     workflowID,
				Version:        "1.0.0",
				ContainerImage: image,
			},
			TargetResource: target,
		},
	}
	for _, o := range opts {
		o(w)
	}
	return w
}

// Create creates an execution, failing t on error.
func (e *Env) Create(t testing.TB, w *v1alpha1.WorkflowExecution) *v1alpha1.WorkflowExecution {
	t.Helper()
	got, err := e.WFE.WorkflowexecutionV1alpha1().WorkflowExecutions(w.Namespace).Create(context.Background(), w, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating %s/%s: %v", w.Namespace, w.Name, err)
	}
	return got
}

// Get reads an execution, failing t on error.
func (e *Env) Get(t testing.TB, ns, name string) *v1alpha1.WorkflowExecution {
	t.Helper()
	got, err := e.WFE.WorkflowexecutionV1alpha1().WorkflowExecutions(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("getting %s/%s: %v", ns, name, err)
	}
	return got
}

// WaitFor polls an execution until cond holds or timeout passes, and
// returns it.
func (e *Env) WaitFor(t testing.TB, ns, name, what string, timeout time.Duration, cond func(*v1alpha1.WorkflowExecution) bool) *v1alpha1.WorkflowExecution {
	t.Helper()
	var last *v1alpha1.WorkflowExecution
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		w, err := e.WFE.WorkflowexecutionV1alpha1().WorkflowExecutions(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		last = w
		return cond(w), nil
	})
	if err != nil {
		t.Fatalf("%s/%s did not become %s within %s; last status: %s\ncontroller log tail:\n%s",
			ns, name, what, timeout, describe(last), tail(e.Controller.Logs(), 30))
	}
	return last
}

// WaitForPhase waits until the execution is in phase.
func (e *Env) WaitForPhase(t testing.TB, ns, name string, phase v1alpha1.Phase, timeout time.Duration) *v1alpha1.WorkflowExecution {
	t.Helper()
	return e.WaitFor(t, ns, name, string(phase), timeout, func(w *v1alpha1.WorkflowExecution) bool {
		return w.Status.Phase == phase
	})
}

// WaitGone waits until the execution no longer exists.
func (e *Env) WaitGone(t testing.TB, ns, name string, timeout time.Duration) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		_, err := e.WFE.WorkflowexecutionV1alpha1().WorkflowExecutions(ns).Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Fatalf("%s/%s still exists after %s", ns, name, timeout)
	}
}

// PipelineRun reads a PipelineRun of the execution namespace (nil if absent).
func (e *Env) PipelineRun(t testing.TB, name string) *pipelinev1.PipelineRun {
	t.Helper()
	pr, err := e.Cluster.Tekton.TektonV1().PipelineRuns(rig.ExecutionNamespace).Get(context.Background(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		t.Fatalf("getting PipelineRun %s: %v", name, err)
	}
	return pr
}

// WaitPipelineRunGone waits until the PipelineRun no longer exists.
func (e *Env) WaitPipelineRunGone(t testing.TB, name string, timeout time.Duration) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		_, err := e.Cluster.Tekton.TektonV1().PipelineRuns(rig.ExecutionNamespace).Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Fatalf("PipelineRun %s still exists after %s", name, timeout)
	}
}

// FinishPipelineRun plays Tekton on the integration tier: it marks the run
// finished through the status subresource.
func (e *Env) FinishPipelineRun(t testing.TB, name string, status corev1.ConditionStatus, reason, message string) {
	t.Helper()
	ctx := context.Background()
	prs := e.Cluster.Tekton.TektonV1().PipelineRuns(rig.ExecutionNamespace)
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		pr, err := prs.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		MarkPipelineRunDone(pr, status, reason, message)
		_, err = prs.UpdateStatus(ctx, pr, metav1.UpdateOptions{})
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("finishing PipelineRun %s: %v", name, err)
	}
}

// Cleanup deletes the execution at the end of the test and waits for it.
func (e *Env) Cleanup(t testing.TB, ns, name string) {
	t.Cleanup(func() {
		_ = e.WFE.WorkflowexecutionV1alpha1().WorkflowExecutions(ns).Delete(context.Background(), name, metav1.DeleteOptions{})
	})
}

func describe(w *v1alpha1.WorkflowExecution) string {
	if w == nil {
		return "<never read>"
	}
	c := w.Status.GetSucceededCondition()
	if c == nil {
		return fmt.Sprintf("phase=%q (no condition)", w.Status.Phase)
	}
	return fmt.Sprintf("phase=%q succeeded=%s reason=%s message=%q", w.Status.Phase, c.Status, c.Reason, c.Message)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
