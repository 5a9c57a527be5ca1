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
// Command demo shows the controller at work on a running local cluster
// (make demo starts one): it publishes sample workflow bundles to the local
// registry, creates sample WorkflowExecutions — a success, a failure, a lock
// conflict and a cooldown — waits for them to settle and prints what
// "kubectl get wfe" and the failure details say. Then a team (a user bound
// to workflowexecution-author in its namespace) runs a workflow on its own
// namespace, and is refused one on another team's, by the admission policy.
//
//	demo            run the scenarios (KUBECONFIG and WFE_RIG_REGISTRY from cluster-up)
//	demo -get       print the executions again
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	wfeclient "kubernaut.ai/workflowexecution/pkg/client/clientset/versioned"
	"kubernaut.ai/workflowexecution/pkg/explain"
	"kubernaut.ai/workflowexecution/test/rig"
)

// targetNamespace holds the demo's targets. The executions are created in
// wfeNamespace, where the remediation orchestrator creates them: the only
// namespace trusted by default to target other namespaces and nodes.
const (
	targetNamespace = "demo"
	wfeNamespace    = "kubernaut-system"
	namespace       = wfeNamespace
)

// tenant is the demo's team member: bound to workflowexecution-author in
// targetNamespace only.
const tenant = "alice"

// stepImage is the steps' image: a real one on the node tier
// (WFE_RIG_STEP_IMAGE, set by cluster-up), else a name KWOK never pulls.
func stepImage() string {
	if img := os.Getenv("WFE_RIG_STEP_IMAGE"); img != "" {
		return img
	}
	return "registry.invalid/kubectl"
}

// steps of a sample pipeline: {task, step, annotations, script}; the
// annotations steer the simulated pods (KWOK), the script runs on real ones
// (the node tier) and does the same.
func pipelineYAML(tasks ...[4]string) string {
	var b strings.Builder
	b.WriteString("apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: workflow\nspec:\n  params:\n  - name: TARGET_RESOURCE\n    type: string\n  tasks:\n")
	for i, t := range tasks {
		fmt.Fprintf(&b, "  - name: %s\n", t[0])
		if i > 0 {
			fmt.Fprintf(&b, "    runAfter: [%s]\n", tasks[i-1][0])
		}
		b.WriteString("    params:\n    - name: TARGET\n      value: $(params.TARGET_RESOURCE)\n    taskSpec:\n      params:\n      - name: TARGET\n")
		if t[2] != "" {
			fmt.Fprintf(&b, "      metadata:\n        annotations: {%s}\n", t[2])
		}
		script := `echo "$(params.TARGET)"`
		if t[3] != "" {
			script = t[3]
		}
		fmt.Fprintf(&b, "      steps:\n      - name: %s\n        image: %s\n        script: %s\n", t[1], stepImage(), script)
	}
	return b.String()
}

func main() {
	get := flag.Bool("get", false, "only print the demo's executions")
	flag.Parse()
	if err := run(*get); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(getOnly bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cfg, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	if err != nil {
		return fmt.Errorf("KUBECONFIG: %w (run: eval \"$(hack/rig/cluster-up.sh -controller)\")", err)
	}
	kube := kubernetes.NewForConfigOrDie(cfg)
	wfes := wfeclient.NewForConfigOrDie(cfg).WorkflowexecutionV1alpha1().WorkflowExecutions(namespace)
	asTenant := rest.CopyConfig(cfg)
	asTenant.Impersonate = rest.ImpersonationConfig{UserName: tenant}
	tenantWFEs := wfeclient.NewForConfigOrDie(asTenant).WorkflowexecutionV1alpha1().WorkflowExecutions(targetNamespace)
	if getOnly {
		if err := print(ctx, wfes, namespace); err != nil {
			return err
		}
		return print(ctx, tenantWFEs, targetNamespace)
	}
	registry := os.Getenv("WFE_RIG_REGISTRY")
	if registry == "" {
		return fmt.Errorf("WFE_RIG_REGISTRY is not set (run: eval \"$(hack/rig/cluster-up.sh -controller)\")")
	}

	step("publishing sample workflow bundles to %s", registry)
	bundles := map[string]string{
		"restart": pipelineYAML([4]string{"check-health", "probe", "", ""}, [4]string{"rollout-restart", "restart", "", ""}),
		"patch": pipelineYAML([4]string{"backup", "snapshot", "", ""},
			[4]string{"apply-patch", "patch", fmt.Sprintf("%q: %q", rig.ExitCodeAnnotation, "3"), `'echo "patching $(params.TARGET)"; exit 3'`},
			[4]string{"verify", "verify", "", ""}),
		"drain": pipelineYAML([4]string{"drain-node", "drain", fmt.Sprintf("%q: %q", rig.DelayAnnotation, "10m"), "sleep 600"}),
	}
	for name, y := range bundles {
		if _, err := rig.PushBundle(ctx, registry+"/remediations/"+name+":v1", y); err != nil {
			return err
		}
		fmt.Printf("    %s/remediations/%s:v1\n", registry, name)
	}

	step("creating namespace %q and granting the workflow runner its rights there (config/samples/runner-role.yaml)", targetNamespace)
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: targetNamespace}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	if err := grantRunner(ctx, kube, targetNamespace); err != nil {
		return err
	}
	step("creating sample WorkflowExecutions in %q", wfeNamespace)
	wfe := func(name, workflow, target, bundle string) *v1alpha1.WorkflowExecution {
		return &v1alpha1.WorkflowExecution{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: wfeNamespace},
			Spec: v1alpha1.WorkflowExecutionSpec{
				WorkflowRef: v1alpha1.WorkflowRef{
					WorkflowID: workflow, Version: "1.0.0",
					ContainerImage: registry + "/remediations/" + bundle + ":v1",
				},
				TargetResource: target,
				Parameters:     map[string]string{"REASON": "demo"},
				Rationale:      "demo of the workflowexecution controller",
			},
		}
	}
	create := func(w *v1alpha1.WorkflowExecution, why string) error {
		wfes := wfes
		if w.Namespace == targetNamespace {
			wfes = tenantWFEs
		}
		_ = wfes.Delete(ctx, w.Name, metav1.DeleteOptions{})
		if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			_, err := wfes.Get(ctx, w.Name, metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		}); err != nil {
			return err
		}
		if _, err := wfes.Create(ctx, w, metav1.CreateOptions{}); err != nil {
			return err
		}
		fmt.Printf("    %-18s %s\n", w.Name, why)
		return nil
	}
	settledIn := func(wfes lister, name string, ok func(*v1alpha1.WorkflowExecution) bool) error {
		return wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
			w, err := wfes.Get(ctx, name, metav1.GetOptions{})
			return err == nil && ok(w), nil
		})
	}
	settled := func(name string, ok func(*v1alpha1.WorkflowExecution) bool) error { return settledIn(wfes, name, ok) }
	done := func(w *v1alpha1.WorkflowExecution) bool { return w.Status.IsDone() }
	running := func(w *v1alpha1.WorkflowExecution) bool { return w.Status.Phase == v1alpha1.PhaseRunning }

	if err := create(wfe("restart-api", "restart-deployment", "demo/Deployment/api", "restart"), "restarts demo/Deployment/api (succeeds)"); err != nil {
		return err
	}
	if err := create(wfe("patch-db", "patch-statefulset", "demo/StatefulSet/db", "patch"), "patches demo/StatefulSet/db (step exits 3 in the second task)"); err != nil {
		return err
	}
	if err := create(wfe("drain-node", "drain-node", "Node/worker-1", "drain"), "drains Node/worker-1 (runs for 10 minutes)"); err != nil {
		return err
	}
	if err := settled("drain-node", running); err != nil {
		return fmt.Errorf("drain-node did not start: %w", err)
	}
	if err := create(wfe("cordon-node", "cordon-node", "node/worker-1", "restart"), "same target as drain-node while it runs (lock conflict)"); err != nil {
		return err
	}
	step("waiting for the executions to settle")
	for _, n := range []string{"restart-api", "patch-db", "cordon-node"} {
		if err := settled(n, done); err != nil {
			return fmt.Errorf("%s did not finish: %w", n, err)
		}
	}
	if err := create(wfe("restart-api-again", "restart-deployment", "demo/Deployment/api", "restart"), "the same workflow on the same target within the cooldown"); err != nil {
		return err
	}
	if err := settled("restart-api-again", done); err != nil {
		return err
	}
	if err := print(ctx, wfes, namespace); err != nil {
		return err
	}
	return tenantDemo(ctx, kube, tenantWFEs, wfe, create, func(name string) error { return settledIn(tenantWFEs, name, done) })
}

// tenantDemo shows tenancy as shipped: a team member creates an execution
// in the team's namespace on a target there (it runs), and one on another
// namespace's target (admission refuses it, with the policy's message).
func tenantDemo(ctx context.Context, kube kubernetes.Interface, tenantWFEs tenantClient,
	wfe func(name, workflow, target, bundle string) *v1alpha1.WorkflowExecution,
	create func(*v1alpha1.WorkflowExecution, string) error, settled func(string) error) error {
	step("a team: user %q, bound to workflowexecution-author in %q only (executions elsewhere come from trusted namespaces: kubernaut-system as shipped)", tenant, targetNamespace)
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "workflowexecution-author-" + tenant, Namespace: targetNamespace},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: tenant}},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "workflowexecution-author"},
	}
	if _, err := kube.RbacV1().RoleBindings(targetNamespace).Create(ctx, rb, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	fmt.Printf("    RoleBinding %s/%s\n", targetNamespace, rb.Name)
	own := wfe("restart-web", "restart-deployment", targetNamespace+"/Deployment/web", "restart")
	own.Namespace = targetNamespace
	if err := create(own, "as "+tenant+": restarts "+targetNamespace+"/Deployment/web, in its own namespace (succeeds)"); err != nil {
		return err
	}
	foreign := wfe("restart-payment", "restart-deployment", "payment/Deployment/api", "restart")
	foreign.Namespace = targetNamespace
	_ = tenantWFEs.Delete(ctx, foreign.Name, metav1.DeleteOptions{})
	_, err := tenantWFEs.Create(ctx, foreign, metav1.CreateOptions{})
	if err == nil {
		return fmt.Errorf("the admission policy admitted %s/%s, which targets another namespace", foreign.Namespace, foreign.Name)
	}
	if !strings.Contains(err.Error(), "ValidatingAdmissionPolicy") {
		return fmt.Errorf("creating %s/%s: %w (want the admission policy's rejection)", foreign.Namespace, foreign.Name, err)
	}
	fmt.Printf("    %-18s as %s: targets payment/Deployment/api, another team's: refused at admission:\n        %v\n", foreign.Name, tenant, err)
	if err := settled(own.Name); err != nil {
		return fmt.Errorf("%s did not finish: %w", own.Name, err)
	}
	return print(ctx, tenantWFEs, targetNamespace)
}

// tenantClient is what the tenant demo needs of the executions' client.
type tenantClient interface {
	lister
	Create(ctx context.Context, w *v1alpha1.WorkflowExecution, opts metav1.CreateOptions) (*v1alpha1.WorkflowExecution, error)
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
}

// grantRunner applies the sample runner Role and RoleBinding in ns: the
// default install grants the runner nothing.
func grantRunner(ctx context.Context, kube kubernetes.Interface, ns string) error {
	objs, err := rig.ReadYAMLFiles("config/samples/runner-role.yaml")
	if err != nil {
		return err
	}
	for _, o := range objs {
		o.SetNamespace(ns)
		switch o.GetKind() {
		case "Role":
			r := &rbacv1.Role{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, r); err != nil {
				return err
			}
			if _, err := kube.RbacV1().Roles(ns).Create(ctx, r, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				return err
			}
		case "RoleBinding":
			b := &rbacv1.RoleBinding{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, b); err != nil {
				return err
			}
			// The sample binds payment's own runner: here, ns's.
			for i := range b.Subjects {
				if b.Subjects[i].Name == config.TenantRunner("payment") {
					b.Subjects[i].Name = config.TenantRunner(ns)
				}
			}
			if _, err := kube.RbacV1().RoleBindings(ns).Create(ctx, b, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				return err
			}
		}
		fmt.Printf("    %s %s/%s\n", o.GetKind(), ns, o.GetName())
	}
	return nil
}

type lister interface {
	List(ctx context.Context, opts metav1.ListOptions) (*v1alpha1.WorkflowExecutionList, error)
	Get(ctx context.Context, name string, opts metav1.GetOptions) (*v1alpha1.WorkflowExecution, error)
}

func print(ctx context.Context, wfes lister, namespace string) error {
	list, err := wfes.List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	step("kubectl get wfe -n %s", namespace)
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSUCCEEDED\tREASON\tPHASE\tWORKFLOW\tTARGET\tDURATION")
	for _, w := range list.Items {
		status, reason := "", ""
		if c := w.Status.GetSucceededCondition(); c != nil {
			status, reason = string(c.Status), c.Reason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", w.Name, status, reason, w.Status.Phase,
			w.Spec.WorkflowRef.WorkflowID, w.Spec.TargetResource, w.Status.Duration)
	}
	tw.Flush()
	for _, w := range list.Items {
		switch {
		case w.Status.FailureDetails != nil:
			step("why %s failed (kubectl wfe why -n %s %s)", w.Name, namespace, w.Name)
		case w.Status.SkipDetails != nil:
			step("why %s was skipped (kubectl wfe why -n %s %s)", w.Name, namespace, w.Name)
		default:
			continue
		}
		explain.Write(os.Stdout, &w)
	}
	return nil
}

func step(format string, args ...any) {
	fmt.Printf("\n==> "+format+"\n", args...)
}
