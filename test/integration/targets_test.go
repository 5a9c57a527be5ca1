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

package integration

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/audit"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

// shippedTenancy is the shipped default of the tenancy keys (set
// explicitly: the suite's base configuration trusts every namespace), plus
// the trusted namespaces of a test and a cooldown.
func shippedTenancy(trusted ...string) map[string]string {
	return withConfig(
		config.TrustedNamespacesKey, strings.Join(append([]string{"kubernaut-system"}, trusted...), ", "),
		config.CooldownPeriodKey, "5m",
		config.AllowedBundleRepositoriesKey, "",
		config.AllowedServiceAccountsKey, "",
		config.UntrustedMaxTimeoutKey, "24h")
}

// TestTenantCases: every case of issue 21, by an author of one namespace
// (the shipped workflowexecution-author role, impersonated) on the shipped
// defaults: admission rejects it naming the field; with the policy
// audit-only, the controller fails it ConfigurationError naming the field,
// without a PipelineRun.
func TestTenantCases(t *testing.T) {
	team := env.Namespace(t, "tenant")
	// Registered first, run last: the policy enforces again whatever
	// happened.
	t.Cleanup(func() { setValidationActions(t, policyName, admissionv1.Deny) })
	useConfig(t, shippedTenancy())
	checkInvariant(t)
	bindAuthor(t, team, "tara")
	tara := clientAs(t, "tara")
	mk := func(name, target string, opts ...func(*v1alpha1.WorkflowExecution)) *v1alpha1.WorkflowExecution {
		return framework.NewWFE(team, name, target, "restart", image, opts...)
	}
	bad := []struct {
		w     *v1alpha1.WorkflowExecution
		field string
	}{
		{mk("node", team+"/Node/worker-1"), "spec.targetResource"},
		{mk("node-plural", team+"/nodes/worker-1"), "spec.targetResource"},
		{mk("node-short", team+"/no/worker-1"), "spec.targetResource"},
		{mk("namespace", team+"/Namespace/kube-system"), "spec.targetResource"},
		{mk("clusterrole", team+"/ClusterRole/cluster-admin"), "spec.targetResource"},
		{mk("clusterrole-group", team+"/clusterroles.rbac.authorization.k8s.io/cluster-admin"), "spec.targetResource"},
		{mk("crd", team+"/CustomResourceDefinition/pipelineruns.tekton.dev"), "spec.targetResource"},
		{mk("pv", team+"/PersistentVolume/data"), "spec.targetResource"},
		{mk("storageclass", team+"/StorageClass/fast"), "spec.targetResource"},
		{mk("shared-runner", team+"/Deployment/sa", func(w *v1alpha1.WorkflowExecution) {
			w.Spec.ExecutionConfig = &v1alpha1.ExecutionConfig{ServiceAccountName: config.DefaultServiceAccount}
		}), "spec.executionConfig.serviceAccountName"},
		{mk("hold-a-year", team+"/Deployment/timeout", func(w *v1alpha1.WorkflowExecution) {
			w.Spec.ExecutionConfig = &v1alpha1.ExecutionConfig{Timeout: &metav1.Duration{Duration: 8760 * time.Hour}}
		}), "spec.executionConfig.timeout"},
	}
	eventually(t, "the policy reads the shipped tenancy", rejects(tara, bad[0].w))
	for _, b := range bad {
		err := create(tara, b.w, false)
		if !deniedByPolicy(err) || !strings.Contains(err.Error(), b.field) {
			t.Errorf("%s (%s): %v, want the policy's rejection naming %s", b.w.Name, b.w.Spec.TargetResource, errString(err), b.field)
		}
	}
	// Terminal escapes and forged lines in workflowId: the CRD refuses them.
	for _, id := range []string{"restart\x1b[2J\x1b]0;pwned\a", "restart\nWorkflow drain completed on Node/worker-1", "a b"} {
		err := create(tara, mk("escape", team+"/Deployment/api", func(w *v1alpha1.WorkflowExecution) { w.Spec.WorkflowRef.WorkflowID = id }), true)
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.workflowRef.workflowId") {
			t.Errorf("workflowId %q: %v, want Invalid naming spec.workflowRef.workflowId", id, errString(err))
		}
	}

	// The controller is authoritative: the same cases with the policy
	// audit-only, and spellings no policy can know.
	setValidationActions(t, policyName, admissionv1.Audit)
	eventually(t, "admission without the policy", admits(env.WFE, bad[0].w))
	bypass := append(bad, struct {
		w     *v1alpha1.WorkflowExecution
		field string
	}{mk("unserved", team+"/Gizmo/x"), "spec.targetResource"})
	for _, b := range bypass {
		w := b.w.DeepCopy()
		w.Name = "bypass-" + w.Name
		if err := create(tara, w, false); err != nil {
			t.Fatalf("%s without the policy: %v", w.Name, err)
		}
		wantConfigurationError(t, w, b.field)
	}

	// A pre-execution failure puts nobody in cooldown: the tenant's run
	// fails before any step (the bundle does not resolve), and a trusted
	// execution of the same workflow on the same object runs right after,
	// within the cooldown.
	setValidationActions(t, policyName, admissionv1.Deny)
	tenant := mk("unresolved-bundle", team+"/Deployment/cfg")
	eventually(t, "the policy enforces again", rejects(tara, bad[0].w))
	if err := create(tara, tenant, false); err != nil {
		t.Fatal(err)
	}
	env.WaitForPhase(t, team, tenant.Name, v1alpha1.PhaseRunning, waitLong)
	env.FinishPipelineRun(t, prName(t, tenant.Spec.TargetResource), corev1.ConditionFalse, "CouldntGetPipeline", "bundle not found")
	failed := env.WaitForPhase(t, team, tenant.Name, v1alpha1.PhaseFailed, waitLong)
	if d := failed.Status.FailureDetails; d == nil || d.Reason != v1alpha1.FailureReasonConfigurationError || d.WasExecutionFailure {
		t.Fatalf("%s: failureDetails %+v, want a pre-execution ConfigurationError", tenant.Name, d)
	}
	ops := env.Namespace(t, "ops")
	useConfig(t, shippedTenancy(ops))
	trusted := env.Create(t, framework.NewWFE(ops, "after-tenant-failure", team+"/deployments.apps/cfg", "restart", image))
	env.WaitForPhase(t, ops, trusted.Name, v1alpha1.PhaseRunning, waitLong)
	env.FinishPipelineRun(t, prName(t, trusted.Spec.TargetResource), corev1.ConditionTrue, "Succeeded", "done")
	env.WaitForPhase(t, ops, trusted.Name, v1alpha1.PhaseCompleted, waitLong)
}

// TestOneLockPerObject: every spelling of one object is one lock, and the
// run's TARGET_RESOURCE, annotation and name are the canonical form.
func TestOneLockPerObject(t *testing.T) {
	team := env.Namespace(t, "spellings")
	useConfig(t, shippedTenancy())
	checkInvariant(t)
	bindAuthor(t, team, "sam")
	sam := clientAs(t, "sam")
	first := framework.NewWFE(team, "first", team+"/Deployment/api", "restart", image)
	eventually(t, "sam may create", admits(sam, first))
	if err := create(sam, first, false); err != nil {
		t.Fatal(err)
	}
	got := env.WaitForPhase(t, team, first.Name, v1alpha1.PhaseRunning, waitLong)
	canonical := team + "/deployment.apps/api"
	if got.Status.CanonicalTarget != canonical {
		t.Errorf("status.canonicalTarget = %q, want %q", got.Status.CanonicalTarget, canonical)
	}
	pr := env.PipelineRun(t, resources.PipelineRunName(canonical))
	if pr == nil {
		t.Fatalf("no PipelineRun named after %s", canonical)
	}
	if a := pr.Annotations[workflowexecution.TargetResourceAnnotationKey]; a != canonical {
		t.Errorf("run annotation %q, want %q", a, canonical)
	}
	if p := pr.Spec.Params[len(pr.Spec.Params)-1]; p.Name != v1alpha1.ReservedTargetParam || p.Value.StringVal != canonical {
		t.Errorf("run param %+v, want TARGET_RESOURCE=%s", p, canonical)
	}
	if sa := pr.Spec.TaskRunTemplate.ServiceAccountName; sa != config.TenantRunner(team) {
		t.Errorf("run ServiceAccount %q, want %q", sa, config.TenantRunner(team))
	}
	for i, spelling := range []string{"deploy", "deployments", "deployments.apps", "DEPLOYMENT"} {
		w := framework.NewWFE(team, fmt.Sprintf("again-%d", i), team+"/"+spelling+"/api", "scale", image)
		if err := create(sam, w, false); err != nil {
			t.Fatal(err)
		}
		got := env.WaitForPhase(t, team, w.Name, v1alpha1.PhaseSkipped, waitLong)
		if d := got.Status.SkipDetails; d == nil || d.Reason != v1alpha1.SkipReasonResourceBusy || d.ConflictingWorkflow == nil || d.ConflictingWorkflow.Name != first.Name {
			t.Errorf("%s: skipDetails %+v, want ResourceBusy by %s", spelling, d, first.Name)
		}
	}
	env.FinishPipelineRun(t, pr.Name, corev1.ConditionTrue, "Succeeded", "done")
	env.WaitForPhase(t, team, first.Name, v1alpha1.PhaseCompleted, waitLong)
}

// TestUpgradeKeepsTheLock: an execution Running under the previous
// release's run name (the hash of the lower-cased spelling) still holds
// its object once the controller is upgraded: a second execution on the
// same object, spelled otherwise, does not run while it holds.
func TestUpgradeKeepsTheLock(t *testing.T) {
	team := env.Namespace(t, "upgrade")
	useConfig(t, shippedTenancy())
	checkInvariant(t)
	ctx := context.Background()

	// The previous release at work: its controller is stopped while the
	// state it left is laid out.
	if err := env.Controller.Stop(); err != nil {
		t.Logf("stopping the controller: %v", err)
	}
	spelled := team + "/deploy/api"
	legacyName := resources.PipelineRunName(team + "/deploy/api") // lower-cased spelling: the previous key
	old := framework.NewWFE(team, "old", spelled, "restart", image, func(w *v1alpha1.WorkflowExecution) {
		w.Finalizers = []string{workflowexecution.FinalizerName}
	})
	old = env.Create(t, old)
	pr := &pipelinev1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: rig.ExecutionNamespace, Name: legacyName,
			Labels: map[string]string{
				workflowexecution.WorkflowExecutionLabelKey: old.Name,
				workflowexecution.SourceNamespaceLabelKey:   team,
			},
			Annotations: map[string]string{
				workflowexecution.WorkflowExecutionUIDAnnotationKey: string(old.UID),
				workflowexecution.TargetResourceAnnotationKey:       spelled,
				workflowexecution.WorkflowIDAnnotationKey:           "restart",
			},
		},
		Spec: pipelinev1.PipelineRunSpec{PipelineRef: &pipelinev1.PipelineRef{Name: "workflow"}},
	}
	prs := env.Cluster.Tekton.TektonV1().PipelineRuns(rig.ExecutionNamespace)
	pr, err := prs.Create(ctx, pr, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating the previous release's run: %v", err)
	}
	t.Cleanup(func() { _ = prs.Delete(context.Background(), legacyName, metav1.DeleteOptions{}) })
	start := pr.CreationTimestamp
	old.Status.InitializeConditions()
	old.Status.StartTime = &start
	old.Status.PipelineRunRef = &v1alpha1.PipelineRunReference{Name: legacyName, Namespace: rig.ExecutionNamespace}
	old.Status.MarkRunning("PipelineRun %s/%s is running", rig.ExecutionNamespace, legacyName)
	old.Status.ObservedGeneration = old.Generation
	if _, err := env.WFE.WorkflowexecutionV1alpha1().WorkflowExecutions(team).UpdateStatus(ctx, old, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("recording the previous release's Running status: %v", err)
	}

	// The upgrade: this release's controller starts.
	if err := env.Controller.Restart(); err != nil {
		t.Fatalf("starting the controller: %v", err)
	}
	if err := env.Controller.WaitReady(ctx); err != nil {
		t.Fatalf("controller not ready: %v", err)
	}
	second := env.Create(t, framework.NewWFE(team, "second", team+"/Deployment.apps/api", "scale", image))
	got := env.WaitForPhase(t, team, second.Name, v1alpha1.PhaseSkipped, waitLong)
	if d := got.Status.SkipDetails; d == nil || d.Reason != v1alpha1.SkipReasonResourceBusy || d.ConflictingWorkflow == nil || d.ConflictingWorkflow.Name != old.Name {
		t.Errorf("second: skipDetails %+v, want ResourceBusy by %s", d, old.Name)
	}
	if pr := env.PipelineRun(t, resources.PipelineRunName(team+"/deployment.apps/api")); pr != nil {
		t.Errorf("PipelineRun %s exists beside the previous release's: two runs on one object", pr.Name)
	}
	// The old execution records its canonical target, and still ends.
	env.WaitFor(t, team, old.Name, "its canonical target recorded", waitLong, func(w *v1alpha1.WorkflowExecution) bool {
		return w.Status.CanonicalTarget == team+"/deployment.apps/api"
	})
	env.FinishPipelineRun(t, legacyName, corev1.ConditionTrue, "Succeeded", "done")
	env.WaitForPhase(t, team, old.Name, v1alpha1.PhaseCompleted, waitLong)
}

// TestNoConfusedDeputy: a tenant's run names its namespace's own runner,
// which cannot act in a namespace that granted the shared runner rights;
// a trusted namespace's run names the shared runner, which can.
func TestNoConfusedDeputy(t *testing.T) {
	team, victim, ops := env.Namespace(t, "deputy"), env.Namespace(t, "victim"), env.Namespace(t, "ops")
	useConfig(t, shippedTenancy(ops))
	checkInvariant(t)
	ctx := context.Background()
	// The victim namespace granted the shared runner rights to act in it.
	grant := func(ns, sa string) {
		role := &rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Name: "restart-" + sa, Namespace: ns},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{"apps"}, Resources: []string{"deployments"},
				Verbs: []string{"get", "patch", "delete"}}},
		}
		if _, err := env.Cluster.Kube.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		rb := &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "runner-" + sa, Namespace: ns},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa, Namespace: rig.ExecutionNamespace}},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		}
		if _, err := env.Cluster.Kube.RbacV1().RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	grant(victim, config.DefaultServiceAccount)
	// The tenant's namespace owner grants its own runner rights there.
	grant(team, config.TenantRunner(team))

	bindAuthor(t, team, "mallory")
	mallory := clientAs(t, "mallory")
	w := framework.NewWFE(team, "deputy", team+"/Deployment/api", "restart", image)
	eventually(t, "mallory may create", admits(mallory, w))
	if err := create(mallory, w, false); err != nil {
		t.Fatal(err)
	}
	env.WaitForPhase(t, team, w.Name, v1alpha1.PhaseRunning, waitLong)
	tenantRun := env.PipelineRun(t, prName(t, w.Spec.TargetResource))
	trustedW := env.Create(t, framework.NewWFE(ops, "trusted", victim+"/Deployment/api", "restart", image))
	env.WaitForPhase(t, ops, trustedW.Name, v1alpha1.PhaseRunning, waitLong)
	trustedRun := env.PipelineRun(t, prName(t, trustedW.Spec.TargetResource))

	if _, err := env.Cluster.Kube.CoreV1().ServiceAccounts(rig.ExecutionNamespace).Get(ctx, config.TenantRunner(team), metav1.GetOptions{}); err != nil {
		t.Errorf("the tenant's runner: %v", err)
	}
	can := func(sa, ns string) bool {
		t.Helper()
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User:   "system:serviceaccount:" + rig.ExecutionNamespace + ":" + sa,
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + rig.ExecutionNamespace, "system:authenticated"},
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Namespace: ns, Verb: "delete", Group: "apps", Resource: "deployments", Name: "api",
			},
		}}
		got, err := env.Cluster.Kube.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return got.Status.Allowed
	}
	tenantSA, trustedSA := tenantRun.Spec.TaskRunTemplate.ServiceAccountName, trustedRun.Spec.TaskRunTemplate.ServiceAccountName
	// The grants reach the authorizer through its informers: wait for the
	// allowed ones, then check the denial (it would be allowed by now).
	allowed := func(sa, ns string) func() error {
		return func() error {
			if !can(sa, ns) {
				return fmt.Errorf("%s may not delete deployments in %s", sa, ns)
			}
			return nil
		}
	}
	eventually(t, "the tenant's run may act in its own namespace, which granted it rights", allowed(tenantSA, team))
	eventually(t, "the trusted run may act in the namespace that granted the shared runner rights", allowed(trustedSA, victim))
	if can(tenantSA, victim) {
		t.Errorf("the tenant's run (as %s) may delete deployments in %s, which granted only the shared runner", tenantSA, victim)
	}
	if tenantSA == trustedSA {
		t.Errorf("the tenant's run and the trusted run both run as %s", tenantSA)
	}
	env.FinishPipelineRun(t, tenantRun.Name, corev1.ConditionTrue, "Succeeded", "done")
	env.FinishPipelineRun(t, trustedRun.Name, corev1.ConditionTrue, "Succeeded", "done")
}

// TestRepositoryMatchAdmission: the admission policy's repository rule on
// the table pkg/apis/config tests RepositoryMatches with.
func TestRepositoryMatchAdmission(t *testing.T) {
	ns := env.Namespace(t, "repos")
	t.Cleanup(func() {
		env.PatchConfigMap(t, rig.SystemNamespace, config.ConfigName, map[string]any{config.AllowedBundleRepositoriesKey: nil})
		eventually(t, "admission forgets the allowlist", admits(env.WFE, framework.NewWFE(ns, "probe", ns+"/Deployment/probe", "restart", "other.example/xx:v1")))
	})
	b, err := os.ReadFile("../../pkg/apis/config/testdata/repository-match.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Entry string `json:"entry"`
		Ref   string `json:"ref"`
		Match bool   `json:"match"`
	}
	if err := yaml.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	byEntry := map[string][]int{}
	var entries []string
	for i, c := range cases {
		if _, ok := byEntry[c.Entry]; !ok {
			entries = append(entries, c.Entry)
		}
		byEntry[c.Entry] = append(byEntry[c.Entry], i)
	}
	for _, entry := range entries {
		env.PatchConfigMap(t, rig.SystemNamespace, config.ConfigName, map[string]any{config.AllowedBundleRepositoriesKey: entry})
		unlisted := framework.NewWFE(ns, "probe", ns+"/Deployment/probe", "restart", "unlisted.example/xx:v1")
		listed := framework.NewWFE(ns, "probe", ns+"/Deployment/probe", "restart", strings.TrimSuffix(entry, "/")+"/probe-x:v1")
		eventually(t, "the policy reads allowed-bundle-repositories="+entry, func() error {
			if err := rejects(env.WFE, unlisted)(); err != nil {
				return err
			}
			return admits(env.WFE, listed)()
		})
		for _, i := range byEntry[entry] {
			c := cases[i]
			w := framework.NewWFE(ns, "repo", ns+"/Deployment/api", "restart", c.Ref)
			err := create(env.WFE, w, true)
			switch {
			case c.Match && err != nil:
				t.Errorf("entry %q, ref %q: %v, want admitted", c.Entry, c.Ref, err)
			case !c.Match && !(deniedByPolicy(err) && strings.Contains(err.Error(), "spec.workflowRef.containerImage")):
				t.Errorf("entry %q, ref %q: %v, want the policy's rejection", c.Entry, c.Ref, errString(err))
			}
		}
	}
}

// TestTenantCannotJoinAnotherTimeline: a tenant that sets another
// remediation's correlation id gets its own, scoped by its namespace; the
// audit events say which namespace asked and whether it is trusted.
func TestTenantCannotJoinAnotherTimeline(t *testing.T) {
	team, ops := env.Namespace(t, "claims"), env.Namespace(t, "ops")
	sink, err := framework.StartAuditSink()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sink.Close)
	cfg := shippedTenancy(ops)
	cfg[config.AuditSinkURLKey] = sink.URL()
	useConfig(t, cfg)
	checkInvariant(t)
	bindAuthor(t, team, "cleo")
	cleo := clientAs(t, "cleo")
	const claimed = "rr-of-the-orchestrator"
	withClaim := func(w *v1alpha1.WorkflowExecution) {
		w.Labels = map[string]string{workflowexecution.CorrelationIDLabelKey: claimed}
	}
	tenant := framework.NewWFE(team, "claim", team+"/Deployment/api", "restart", image, withClaim)
	eventually(t, "cleo may create", admits(cleo, tenant))
	if err := create(cleo, tenant, false); err != nil {
		t.Fatal(err)
	}
	trusted := env.Create(t, framework.NewWFE(ops, "owner", ops+"/Deployment/api", "restart", image, withClaim))
	for _, w := range []*v1alpha1.WorkflowExecution{tenant, trusted} {
		env.WaitForPhase(t, w.Namespace, w.Name, v1alpha1.PhaseRunning, waitLong)
	}
	want := map[string]struct {
		correlation string
		trusted     bool
	}{
		team + "/claim": {team + "/" + claimed, false},
		ops + "/owner":  {claimed, true},
	}
	eventually(t, "the started events of both", func() error {
		seen := 0
		for _, ev := range sink.Events() {
			w, ok := want[ev.ResourceID]
			if !ok || ev.EventType != audit.EventTypeStarted {
				continue
			}
			seen++
			if ev.CorrelationID != w.correlation || ev.RequesterNamespace != strings.Split(ev.ResourceID, "/")[0] || ev.RequesterTrusted != w.trusted {
				t.Errorf("%s: correlation_id %q, requester %q trusted=%v; want %q, trusted=%v",
					ev.ResourceID, ev.CorrelationID, ev.RequesterNamespace, ev.RequesterTrusted, w.correlation, w.trusted)
			}
		}
		if seen < len(want) {
			return fmt.Errorf("%d of %d started events", seen, len(want))
		}
		return nil
	})
	for _, w := range []*v1alpha1.WorkflowExecution{tenant, trusted} {
		env.FinishPipelineRun(t, prName(t, w.Spec.TargetResource), corev1.ConditionTrue, "Succeeded", "done")
	}
}
