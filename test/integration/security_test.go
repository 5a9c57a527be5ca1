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
	"crypto/rand"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/audit"
	wfeclient "kubernaut.ai/workflowexecution/pkg/client/clientset/versioned"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	"kubernaut.ai/workflowexecution/pkg/target/targettest"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

const policyName = "workflowexecution-policy"

// withConfig is baseConfig plus kv (key, value, key, value...).
func withConfig(kv ...string) map[string]string {
	cfg := maps.Clone(baseConfig)
	for i := 0; i+1 < len(kv); i += 2 {
		cfg[kv[i]] = kv[i+1]
	}
	return cfg
}

// clientAs is a client that impersonates user (kubectl --as).
func clientAs(t *testing.T, user string) wfeclient.Interface {
	t.Helper()
	cfg := rest.CopyConfig(env.Cluster.RESTConfig)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	c, err := wfeclient.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// bindAuthor binds user to the shipped workflowexecution-author role in ns.
func bindAuthor(t *testing.T, ns, user string) {
	t.Helper()
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "author-" + user, Namespace: ns},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "workflowexecution-author"},
	}
	if _, err := env.Cluster.Kube.RbacV1().RoleBindings(ns).Create(context.Background(), rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func create(c wfeclient.Interface, w *v1alpha1.WorkflowExecution, dryRun bool) error {
	opts := metav1.CreateOptions{}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	_, err := c.WorkflowexecutionV1alpha1().WorkflowExecutions(w.Namespace).Create(context.Background(), w, opts)
	return err
}

// deniedByPolicy reports whether err is the admission policy's rejection.
func deniedByPolicy(err error) bool {
	return apierrors.IsForbidden(err) && strings.Contains(err.Error(), "ValidatingAdmissionPolicy '"+policyName+"'")
}

// eventually polls check until it returns nil (RBAC, the policy and its
// parameters reach the API server's admission through informers).
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, waitLong, true, func(context.Context) (bool, error) {
		last = check()
		return last == nil, nil
	})
	if err != nil {
		t.Fatalf("%s: %v (last: %v)", what, err, last)
	}
}

// admits is a check that a dry-run create of w passes admission.
func admits(c wfeclient.Interface, w *v1alpha1.WorkflowExecution) func() error {
	return func() error { return create(c, w, true) }
}

// rejects is a check that the policy rejects a dry-run create of w.
func rejects(c wfeclient.Interface, w *v1alpha1.WorkflowExecution) func() error {
	return func() error {
		err := create(c, w, true)
		if deniedByPolicy(err) {
			return nil
		}
		return errors.New("not rejected by the policy: " + errString(err))
	}
}

func errString(err error) string {
	if err == nil {
		return "accepted"
	}
	return err.Error()
}

// withoutPolicy turns the policy binding to audit-only for the rest of the
// test (as if admission were bypassed or the policy not installed); probe
// is an execution the policy rejects. The binding is restored at cleanup.
// (Deleting and re-creating the binding instead leaves kube-apiserver
// v1.35.8 evaluating the policy against a stale copy of its parameter
// ConfigMap: kubernetes/kubernetes#130887, see docs/security.md.)
func withoutPolicy(t *testing.T, probe *v1alpha1.WorkflowExecution) {
	t.Helper()
	setValidationActions(t, policyName, admissionv1.Audit)
	t.Cleanup(func() {
		setValidationActions(t, policyName, admissionv1.Deny)
		eventually(t, "the restored policy enforces again", rejects(env.WFE, probe))
	})
	eventually(t, "admission without the policy", admits(env.WFE, probe))
}

// setValidationActions sets the actions of the shipped policy binding name.
func setValidationActions(t *testing.T, name string, action admissionv1.ValidationAction) {
	t.Helper()
	bindings := env.Cluster.Kube.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings()
	ctx := context.Background()
	b, err := bindings.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the shipped policy binding %s: %v", name, err)
	}
	b.Spec.ValidationActions = []admissionv1.ValidationAction{action}
	if _, err := bindings.Update(ctx, b, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("setting the policy binding to %s: %v", action, err)
	}
}

// restoreTrust, registered before useConfig, waits at cleanup until
// admission no longer trusts ns, trusted by the test's configuration (the
// base configuration trusts kubernaut-system only): the policy reads its
// ConfigMap through an informer of the API server.
func restoreTrust(t *testing.T, ns string) {
	t.Cleanup(func() {
		eventually(t, "admission trusts only kubernaut-system again", rejects(env.WFE, framework.NewWFE(ns, "probe", "node/probe", "restart", image)))
	})
}

// wantConfigurationError waits for w to fail ConfigurationError naming
// field, without a PipelineRun.
func wantConfigurationError(t *testing.T, w *v1alpha1.WorkflowExecution, field string, more ...string) {
	t.Helper()
	got := env.WaitForPhase(t, w.Namespace, w.Name, v1alpha1.PhaseFailed, waitLong)
	c := got.Status.GetSucceededCondition()
	if c == nil || c.Reason != string(v1alpha1.FailureReasonConfigurationError) {
		t.Errorf("%s: condition %+v, want reason ConfigurationError", w.Name, c)
		return
	}
	for _, s := range append([]string{field}, more...) {
		if !strings.Contains(c.Message, s) {
			t.Errorf("%s: message %q does not name %q", w.Name, c.Message, s)
		}
	}
	if got.Status.PipelineRunRef != nil {
		t.Errorf("%s: pipelineRunRef %+v, want none", w.Name, got.Status.PipelineRunRef)
	}
	// A target that resolves to no object can have no run.
	if c, err := targettest.Canonical(w.Spec.TargetResource); err == nil {
		if pr := env.PipelineRun(t, resources.PipelineRunName(c)); pr != nil {
			t.Errorf("%s: PipelineRun %s exists, want none", w.Name, pr.Name)
		}
	}
}

// TestTenancy: an author of team-a (RBAC as shipped, impersonated) cannot
// target another namespace or a cluster-scoped resource: admission rejects
// it naming the field; an author of a trusted namespace can. With the policy
// removed, the controller still refuses, and no PipelineRun is created.
func TestTenancy(t *testing.T) {
	teamA, teamB, ops := env.Namespace(t, "team-a"), env.Namespace(t, "team-b"), env.Namespace(t, "ops")
	restoreTrust(t, ops)
	useConfig(t, withConfig(config.TrustedNamespacesKey, "kubernaut-system, "+ops))
	checkInvariant(t)
	bindAuthor(t, teamA, "alice")
	bindAuthor(t, ops, "olga")
	alice, olga := clientAs(t, "alice"), clientAs(t, "olga")
	suffix := teamA // targets no other test uses
	foreign := []string{teamB + "/Deployment/api", "kube-system/Deployment/coredns-" + suffix, "node/worker-" + suffix}

	eventually(t, "alice may create in team-a", admits(alice, framework.NewWFE(teamA, "own", teamA+"/Deployment/api", "restart", image)))
	eventually(t, "the policy reads trusted-namespaces", rejects(alice, framework.NewWFE(teamA, "probe", foreign[0], "restart", image)))

	for i, target := range foreign {
		err := create(alice, framework.NewWFE(teamA, "foreign-"+itoa(i), target, "restart", image), false)
		if !deniedByPolicy(err) {
			t.Errorf("alice targeting %s: %v, want the policy's rejection", target, errString(err))
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "spec.targetResource") || !strings.Contains(msg, target) || !strings.Contains(msg, "trusted-namespaces") {
			t.Errorf("alice targeting %s: message %q does not name the field, the target and the rule", target, msg)
		}
	}
	if err := create(alice, framework.NewWFE(teamB, "elsewhere", teamB+"/Deployment/api", "restart", image), true); !apierrors.IsForbidden(err) || deniedByPolicy(err) {
		t.Errorf("alice creating in team-b: %v, want RBAC's Forbidden", errString(err))
	}

	// Her own namespace runs.
	own := framework.NewWFE(teamA, "own", teamA+"/Deployment/api", "restart", image)
	if err := create(alice, own, false); err != nil {
		t.Fatalf("alice targeting her namespace: %v", err)
	}
	env.WaitForPhase(t, teamA, own.Name, v1alpha1.PhaseRunning, waitLong)
	env.FinishPipelineRun(t, prName(t, own.Spec.TargetResource), corev1.ConditionTrue, "Succeeded", "done")

	// A trusted namespace may target other namespaces and nodes.
	for i, target := range foreign {
		w := framework.NewWFE(ops, "trusted-"+itoa(i), target, "restart", image)
		eventually(t, "olga may create in ops", admits(olga, w))
		if err := create(olga, w, false); err != nil {
			t.Fatalf("olga targeting %s: %v", target, err)
		}
		env.WaitForPhase(t, ops, w.Name, v1alpha1.PhaseRunning, waitLong)
		env.FinishPipelineRun(t, prName(t, target), corev1.ConditionTrue, "Succeeded", "done")
		env.WaitForPhase(t, ops, w.Name, v1alpha1.PhaseCompleted, waitLong)
	}

	// Admission bypassed: the controller refuses all the same.
	withoutPolicy(t, framework.NewWFE(teamA, "probe", foreign[0], "restart", image))
	for i, target := range foreign {
		w := framework.NewWFE(teamA, "bypass-"+itoa(i), target+"-bypass", "restart", image)
		if err := create(alice, w, false); err != nil {
			t.Fatalf("alice without the policy, targeting %s: %v", w.Spec.TargetResource, err)
		}
		wantConfigurationError(t, w, "spec.targetResource", "trusted-namespaces", w.Spec.TargetResource)
	}
}

// TestAllowlists: each allowlist of config-workflowexecution is enforced at
// admission, naming the field, and by the controller when the policy is
// removed.
func TestAllowlists(t *testing.T) {
	ns := env.Namespace(t, "allowlists")
	t.Cleanup(func() {
		eventually(t, "admission forgets the allowlists", admits(env.WFE, framework.NewWFE(ns, "probe", ns+"/Deployment/probe", "restart", "registry.example.com/other/restart:v1")))
	})
	useConfig(t, withConfig(
		config.AllowedBundleRepositoriesKey, "registry.example.com/approved",
		config.RequireBundleDigestKey, "true",
		config.AllowedServiceAccountsKey, "extra-runner"))
	checkInvariant(t)
	digest := "sha256:" + strings.Repeat("ab", 32)
	approved := "registry.example.com/approved/restart:v1"
	mk := func(name, img, dgst, sa string) *v1alpha1.WorkflowExecution {
		return framework.NewWFE(ns, name, ns+"/Deployment/"+name, "restart", img, func(w *v1alpha1.WorkflowExecution) {
			w.Spec.WorkflowRef.ContainerDigest = dgst
			if sa != "" {
				w.Spec.ExecutionConfig = &v1alpha1.ExecutionConfig{ServiceAccountName: sa}
			}
		})
	}
	bad := []struct {
		w     *v1alpha1.WorkflowExecution
		field string
	}{
		{mk("other-repo", "registry.example.com/other/restart:v1", digest, ""), "spec.workflowRef.containerImage"},
		{mk("prefix-repo", "registry.example.com/approved-evil/restart:v1", digest, ""), "spec.workflowRef.containerImage"},
		{mk("no-digest", approved, "", ""), "spec.workflowRef.containerDigest"},
		{mk("cluster-admin", approved, digest, "cluster-admin"), "spec.executionConfig.serviceAccountName"},
	}
	eventually(t, "the policy reads the allowlists", rejects(env.WFE, bad[0].w))
	for _, b := range bad {
		err := create(env.WFE, b.w, false)
		if !deniedByPolicy(err) || !strings.Contains(err.Error(), b.field) {
			t.Errorf("%s: %v, want the policy's rejection naming %s", b.w.Name, errString(err), b.field)
		}
	}
	for _, good := range []*v1alpha1.WorkflowExecution{
		mk("good", approved, digest, "extra-runner"),
		mk("good-pinned", "registry.example.com/approved/restart@"+digest, "", config.TenantRunner(ns)),
		mk("good-default-sa", approved, digest, ""),
	} {
		if err := create(env.WFE, good, true); err != nil {
			t.Errorf("%s: %v, want it admitted", good.Name, err)
		}
	}

	withoutPolicy(t, mk("probe", "registry.example.com/other/restart:v1", digest, ""))
	for _, b := range bad {
		if err := create(env.WFE, b.w, false); err != nil {
			t.Fatalf("%s without the policy: %v", b.w.Name, err)
		}
		wantConfigurationError(t, b.w, b.field)
	}
}

// TestControllerPodMeetsRestricted: the Deployment's pod is admitted by Pod
// Security admission in kubernaut-system, which enforces restricted.
func TestControllerPodMeetsRestricted(t *testing.T) {
	objs, err := rig.ReadYAMLFiles(filepath.Join(env.Cluster.RepoRoot, "config", "controller.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var d appsv1.Deployment
	for _, o := range objs {
		if o.GetKind() == "Deployment" {
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &d); err != nil {
				t.Fatal(err)
			}
		}
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "controller-", Namespace: rig.SystemNamespace},
		Spec:       *d.Spec.Template.Spec.DeepCopy(),
	}
	pods := env.Cluster.Kube.CoreV1().Pods(rig.SystemNamespace)
	dry := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	if _, err := pods.Create(context.Background(), pod, dry); err != nil {
		t.Errorf("the controller's pod is refused in %s: %v", rig.SystemNamespace, err)
	}
	// Enforcement is on: the same pod without its security context is refused.
	loose := pod.DeepCopy()
	loose.Spec.SecurityContext = nil
	loose.Spec.Containers[0].SecurityContext = nil
	if _, err := pods.Create(context.Background(), loose, dry); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "restricted") {
		t.Errorf("a pod without a security context in %s: %v, want Pod Security's Forbidden", rig.SystemNamespace, errString(err))
	}
}

// tlsSink is an HTTPS audit receiver on loopback with its own CA. It wants a
// bearer token, answers 404 (a broker not ready) until ready, then 202, and
// counts the accepted deliveries of each event.
type tlsSink struct {
	srv      *httptest.Server
	token    string
	mu       sync.Mutex
	ready    bool
	notFound int
	badAuth  int
	accepted map[string]int
}

func (s *tlsSink) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.Header.Get("Authorization") != "Bearer "+s.token:
		s.badAuth++
		w.WriteHeader(http.StatusUnauthorized)
	case !s.ready:
		s.notFound++
		w.WriteHeader(http.StatusNotFound)
	default:
		s.accepted[r.Header.Get("Ce-Id")]++
		w.WriteHeader(http.StatusAccepted)
	}
}

func (s *tlsSink) get(f func(*tlsSink) bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f(s)
}

// TestAuditOverTLSWithTokenFile: the sender authenticates with a token file
// to an HTTPS receiver whose certificate only the configured CA verifies;
// 404s are retried until the receiver is ready, then every event is
// accepted exactly once; neither the token nor the URL's query reaches the
// controller's log.
func TestAuditOverTLSWithTokenFile(t *testing.T) {
	tok := make([]byte, 16)
	if _, err := rand.Read(tok); err != nil {
		t.Fatal(err)
	}
	sink := &tlsSink{token: "tok-" + hex.EncodeToString(tok), accepted: map[string]int{}}
	sink.srv = httptest.NewTLSServer(http.HandlerFunc(sink.serve))
	t.Cleanup(sink.srv.Close)
	dir := t.TempDir()
	tokenFile, caFile := filepath.Join(dir, "token"), filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(tokenFile, []byte(sink.token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sink.srv.Certificate().Raw})
	if err := os.WriteFile(caFile, ca, 0o600); err != nil {
		t.Fatal(err)
	}
	querySecret := "sig-" + hex.EncodeToString(tok[:8])
	useConfig(t, withConfig(
		config.AuditSinkURLKey, sink.srv.URL+"/broker?sig="+querySecret,
		config.AuditFormatKey, config.AuditFormatCloudEvents,
		config.AuditTokenFileKey, tokenFile,
		config.AuditCAFileKey, caFile))
	checkInvariant(t)
	ns := env.Namespace(t, "audit-tls")

	var wfes []*v1alpha1.WorkflowExecution
	for _, name := range []string{"one", "two"} {
		target := env.Target(ns, "Deployment")
		w := env.Create(t, framework.NewWFE(ns, name, target, "restart", image))
		env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseRunning, waitLong)
		env.FinishPipelineRun(t, prName(t, target), corev1.ConditionTrue, "Succeeded", "done")
		wfes = append(wfes, env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseCompleted, waitLong))
	}
	var ids []string
	for _, w := range wfes {
		ids = append(ids, audit.EventID(w, audit.EventTypeStarted), audit.EventID(w, audit.EventTypeCompleted))
	}
	// The receiver is not ready: every event is refused with 404 at least
	// once, and retried.
	eventually(t, "404s retried", func() error {
		if sink.get(func(s *tlsSink) bool { return s.notFound >= 2*len(ids) }) {
			return nil
		}
		return errors.New("fewer 404s than two per event")
	})
	sink.mu.Lock()
	sink.ready = true
	sink.mu.Unlock()
	for _, w := range wfes {
		env.WaitFor(t, ns, w.Name, "audit delivered", waitLong, func(w *v1alpha1.WorkflowExecution) bool {
			return w.Status.IsAuditDelivered(string(audit.EventTypeStarted)) && w.Status.IsAuditDelivered(string(audit.EventTypeCompleted))
		})
	}
	sink.mu.Lock()
	for _, id := range ids {
		if n := sink.accepted[id]; n != 1 {
			t.Errorf("event %s accepted %d times, want once", id, n)
		}
	}
	if sink.badAuth != 0 {
		t.Errorf("%d requests without the token", sink.badAuth)
	}
	sink.mu.Unlock()
	logs := env.Controller.Logs()
	for _, secret := range []string{sink.token, querySecret} {
		if strings.Contains(logs, secret) {
			t.Errorf("the controller's log contains %q", secret)
		}
	}
	if !strings.Contains(logs, "audit sink unavailable, retrying") {
		t.Error("the controller did not log the 404 retries")
	}
}

func itoa(i int) string { return string(rune('0' + i)) }
