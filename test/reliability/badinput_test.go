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

package reliability

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

var wfeGVR = schema.GroupVersionResource{Group: v1alpha1.SchemeGroupVersion.Group, Version: "v1alpha1", Resource: "workflowexecutions"}

// obj is a WorkflowExecution as the API server receives it, so that a case
// can leave a field out, empty it or give it the wrong type.
type obj = map[string]any

func validObj(name string) obj {
	return obj{
		"apiVersion": v1alpha1.SchemeGroupVersion.String(),
		"kind":       "WorkflowExecution",
		"metadata":   obj{"name": name},
		"spec": obj{
			"workflowRef": obj{
				"workflowId":     "restart",
				"version":        "1.0.0",
				"containerImage": image,
			},
			"targetResource": "payment/Deployment/api",
		},
	}
}

// set sets the value at a dotted path (creating maps on the way); unset
// removes it.
func set(path string, v any) func(obj) {
	return func(o obj) {
		parts := strings.Split(path, ".")
		m := o
		for _, p := range parts[:len(parts)-1] {
			next, ok := m[p].(obj)
			if !ok {
				next = obj{}
				m[p] = next
			}
			m = next
		}
		m[parts[len(parts)-1]] = v
	}
}

func unset(path string) func(obj) {
	return func(o obj) {
		parts := strings.Split(path, ".")
		m := o
		for _, p := range parts[:len(parts)-1] {
			m, _ = m[p].(obj)
			if m == nil {
				return
			}
		}
		delete(m, parts[len(parts)-1])
	}
}

func params(kv ...string) func(obj) {
	m := obj{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return set("spec.parameters", m)
}

func manyParams(n int) func(obj) {
	m := obj{}
	for i := 0; i < n; i++ {
		m[fmt.Sprintf("P_%03d", i)] = "v"
	}
	return set("spec.parameters", m)
}

const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// TestMalformedInputIsRejected creates malformed WorkflowExecutions against
// the real API server: each must be rejected with an error naming the
// field. Then it checks the updates the API forbids (spec immutability, a
// phase outside the enum), the inputs only the controller can refuse (its
// security configuration), and that the controller neither panicked nor
// wedged: a valid execution still runs afterwards.
func TestMalformedInputIsRejected(t *testing.T) {
	s := newSuite(t, suiteOptions{Config: map[string]string{
		"allowed-bundle-repositories": "registry.example.com/remediation/",
	}})
	// The stream's player also finishes the runs of the executions below.
	st := s.newStream(streamOptions{Executions: 1, Targets: 1, Mix: []weighted{{actSucceed, 1}}})
	ctx := context.Background()
	ns := namespaces[0]
	long := func(n int) string { return strings.Repeat("a", n) }

	cases := []struct {
		name   string
		mutate func(obj)
		field  string // must appear in the error
	}{
		{"name longer than 63 characters", set("metadata.name", long(64)), "metadata.name"},
		{"spec missing", unset("spec"), "spec"},
		{"workflowId missing", unset("spec.workflowRef.workflowId"), "spec.workflowRef.workflowId"},
		{"workflowId empty", set("spec.workflowRef.workflowId", ""), "spec.workflowRef.workflowId"},
		{"workflowId longer than 253 characters", set("spec.workflowRef.workflowId", long(254)), "spec.workflowRef.workflowId"},
		{"workflowRef missing", unset("spec.workflowRef"), "spec.workflowRef"},
		{"version missing", unset("spec.workflowRef.version"), "spec.workflowRef.version"},
		{"version empty", set("spec.workflowRef.version", ""), "spec.workflowRef.version"},
		{"containerImage missing", unset("spec.workflowRef.containerImage"), "spec.workflowRef.containerImage"},
		{"containerImage empty", set("spec.workflowRef.containerImage", ""), "spec.workflowRef.containerImage"},
		{"targetResource missing", unset("spec.targetResource"), "spec.targetResource"},
		{"targetResource empty", set("spec.targetResource", ""), "spec.targetResource"},
		{"target with one part", set("spec.targetResource", "deployment"), "spec.targetResource"},
		{"target with four parts", set("spec.targetResource", "payment/apps/deployment/api"), "spec.targetResource"},
		{"target with an empty kind", set("spec.targetResource", "payment//api"), "spec.targetResource"},
		{"target with an empty name", set("spec.targetResource", "payment/deployment/"), "spec.targetResource"},
		{"target with an empty namespace", set("spec.targetResource", "/deployment/api"), "spec.targetResource"},
		{"target with a leading slash", set("spec.targetResource", "/payment/deployment/api"), "spec.targetResource"},
		{"target kind starting with a digit", set("spec.targetResource", "payment/1deployment/api"), "spec.targetResource"},
		{"target namespace with upper case", set("spec.targetResource", "Payment/deployment/api"), "spec.targetResource"},
		{"target name with upper case", set("spec.targetResource", "payment/deployment/API"), "spec.targetResource"},
		{"target name longer than 253 characters", set("spec.targetResource", "payment/deployment/"+long(254)), "spec.targetResource"},
		{"target namespace longer than 63 characters", set("spec.targetResource", long(64)+"/deployment/api"), "spec.targetResource"},
		{"image with an upper-case repository", set("spec.workflowRef.containerImage", "registry.example.com/Remediation/Restart:v1"), "spec.workflowRef.containerImage"},
		{"image with a space", set("spec.workflowRef.containerImage", "registry.example.com/remediation/re start:v1"), "spec.workflowRef.containerImage"},
		{"image with an empty tag", set("spec.workflowRef.containerImage", "registry.example.com/remediation/restart:"), "spec.workflowRef.containerImage"},
		{"image with a URL scheme", set("spec.workflowRef.containerImage", "https://registry.example.com/remediation/restart:v1"), "spec.workflowRef.containerImage"},
		{"image with a one-character repository", set("spec.workflowRef.containerImage", "registry.example.com/r:v1"), "spec.workflowRef.containerImage"},
		{"image with a bad inline digest", set("spec.workflowRef.containerImage", "registry.example.com/remediation/restart@sha256:1234"), "spec.workflowRef.containerImage"},
		{"digest too short", set("spec.workflowRef.containerDigest", "sha256:abc"), "spec.workflowRef.containerDigest"},
		{"digest with another algorithm", set("spec.workflowRef.containerDigest", "md5:0123456789abcdef0123456789abcdef"), "spec.workflowRef.containerDigest"},
		{"digest in upper case", set("spec.workflowRef.containerDigest", strings.ToUpper(digest)), "spec.workflowRef.containerDigest"},
		{"digest twice (image and containerDigest)", func(o obj) {
			set("spec.workflowRef.containerImage", image+"@"+digest)(o)
			set("spec.workflowRef.containerDigest", digest)(o)
		}, "spec.workflowRef"},
		{"parameter name with '='", params("A=B", "x"), "spec.parameters"},
		{"parameter name with '.'", params("A.B", "x"), "spec.parameters"},
		{"parameter name with a space", params("A B", "x"), "spec.parameters"},
		{"parameter name starting with a digit", params("1ABC", "x"), "spec.parameters"},
		{"parameter name empty", params("", "x"), "spec.parameters"},
		{"parameter name longer than 128 characters", params("P"+long(128), "x"), "spec.parameters"},
		{"reserved TARGET_RESOURCE parameter", params("TARGET_RESOURCE", "other/deployment/x"), "spec.parameters"},
		{"129 parameters", manyParams(129), "spec.parameters"},
		{"parameter value not a string", set("spec.parameters", obj{"REPLICAS": int64(3)}), "spec.parameters.REPLICAS"},
		{"confidence -0.1", set("spec.confidence", -0.1), "spec.confidence"},
		{"confidence 1.5", set("spec.confidence", 1.5), "spec.confidence"},
		{"rationale longer than 4096 characters", set("spec.rationale", long(4097)), "spec.rationale"},
		{"timeout negative", set("spec.executionConfig.timeout", "-1s"), "spec.executionConfig.timeout"},
		{"timeout zero", set("spec.executionConfig.timeout", "0s"), "spec.executionConfig.timeout"},
		{"timeout not a duration", set("spec.executionConfig.timeout", "soon"), "spec.executionConfig.timeout"},
		{"serviceAccountName invalid", set("spec.executionConfig.serviceAccountName", "Bad_Account"), "spec.executionConfig.serviceAccountName"},
		{"serviceAccountName too long", set("spec.executionConfig.serviceAccountName", long(254)), "spec.executionConfig.serviceAccountName"},
	}
	dyn := s.cluster.Dynamic.Resource(wfeGVR).Namespace(ns)

	// The unmodified object is valid: each case fails for its own reason.
	if _, err := dyn.Create(ctx, &unstructured.Unstructured{Object: validObj("valid-base")}, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatalf("the base object is rejected: %v", err)
	}
	rejected := 0
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := validObj(fmt.Sprintf("bad-%02d", i))
			tc.mutate(o)
			_, err := dyn.Create(ctx, &unstructured.Unstructured{Object: o}, metav1.CreateOptions{})
			if err == nil {
				t.Errorf("accepted, want rejected naming %s", tc.field)
				_ = dyn.Delete(ctx, o["metadata"].(obj)["name"].(string), metav1.DeleteOptions{})
				return
			}
			if !apierrors.IsInvalid(err) && !apierrors.IsBadRequest(err) {
				t.Errorf("rejected with %v, want 422 Invalid (or 400)", err)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("the error does not name %s: %v", tc.field, err)
			} else {
				rejected++
			}
			t.Logf("%v", truncate(err.Error(), 400))
		})
	}

	// Forbidden updates of an execution that exists.
	typed := s.wfe.WorkflowexecutionV1alpha1().WorkflowExecutions(ns)
	w, err := typed.Create(ctx, &v1alpha1.WorkflowExecution{
		ObjectMeta: metav1.ObjectMeta{Name: "updated"},
		Spec: v1alpha1.WorkflowExecutionSpec{
			WorkflowRef:    v1alpha1.WorkflowRef{WorkflowID: "restart", Version: "1.0.0", ContainerImage: image},
			TargetResource: "payment/Deployment/updates",
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	updates := []struct {
		name   string
		status bool
		mutate func(*v1alpha1.WorkflowExecution)
		field  string
	}{
		{"spec.workflowRef.version changed after creation", false, func(w *v1alpha1.WorkflowExecution) { w.Spec.WorkflowRef.Version = "2.0.0" }, "spec"},
		{"spec.targetResource changed after creation", false, func(w *v1alpha1.WorkflowExecution) { w.Spec.TargetResource = "payment/Deployment/other" }, "spec"},
		{"spec.parameters added after creation", false, func(w *v1alpha1.WorkflowExecution) { w.Spec.Parameters = map[string]string{"X": "1"} }, "spec"},
		{"status.phase Bogus", true, func(w *v1alpha1.WorkflowExecution) { w.Status.Phase = "Bogus" }, "status.phase"},
		{"status.failureDetails.reason Bogus", true, func(w *v1alpha1.WorkflowExecution) {
			w.Status.FailureDetails = &v1alpha1.FailureDetails{Reason: "Bogus"}
		}, "status.failureDetails.reason"},
		{"status.skipDetails.reason Bogus", true, func(w *v1alpha1.WorkflowExecution) {
			w.Status.SkipDetails = &v1alpha1.SkipDetails{Reason: "Bogus"}
		}, "status.skipDetails.reason"},
		// What a writer on a stale copy would do (see docs/reliability.md, bug 1).
		{"status.phase from Completed back to Running", true, func(w *v1alpha1.WorkflowExecution) {
			w.Status.Phase = v1alpha1.PhaseRunning
			w.Status.MarkRunning("stale")
		}, "status.phase"},
		{"status.phase from Completed to Failed", true, func(w *v1alpha1.WorkflowExecution) {
			w.Status.Phase = v1alpha1.PhaseFailed
		}, "status.phase"},
		{"status.lockReleaseTime taken back", true, func(w *v1alpha1.WorkflowExecution) {
			w.Status.LockReleaseTime = nil
		}, "status.lockReleaseTime"},
	}
	// The transition rules apply to a terminal execution whose lock is released.
	if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		cur, err := typed.Get(ctx, w.Name, metav1.GetOptions{})
		return err == nil && cur.Status.Phase == v1alpha1.PhaseCompleted && cur.Status.LockReleaseTime != nil, nil
	}); err != nil {
		t.Fatalf("%s did not complete and release its lock: %v", w.Name, err)
	}
	for _, tc := range updates {
		t.Run(tc.name, func(t *testing.T) {
			var last error
			// Retry on conflicts with the controller's own writes.
			err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
				cur, err := typed.Get(ctx, w.Name, metav1.GetOptions{})
				if err != nil {
					return false, err
				}
				tc.mutate(cur)
				if tc.status {
					_, last = typed.UpdateStatus(ctx, cur, metav1.UpdateOptions{})
				} else {
					_, last = typed.Update(ctx, cur, metav1.UpdateOptions{})
				}
				return !apierrors.IsConflict(last), nil
			})
			if err != nil {
				t.Fatalf("updating: %v (last: %v)", err, last)
			}
			if last == nil {
				t.Fatalf("accepted, want rejected naming %s", tc.field)
			}
			if !apierrors.IsInvalid(last) || !strings.Contains(last.Error(), tc.field) {
				t.Errorf("rejected with %v, want 422 Invalid naming %s", last, tc.field)
			} else {
				rejected++
			}
			t.Logf("%v", truncate(last.Error(), 400))
		})
	}

	// Valid for the schema, refused by the security configuration: at
	// admission by the shipped ValidatingAdmissionPolicy (Forbidden naming
	// the field), or, if it got past admission, by the controller
	// (Failed/ConfigurationError naming the field). test/integration covers
	// the controller's path with the policy off.
	admitted := []struct {
		name   string
		mutate func(*v1alpha1.WorkflowExecution)
		field  string
	}{
		{"service account not allowed", func(w *v1alpha1.WorkflowExecution) {
			w.Spec.ExecutionConfig = &v1alpha1.ExecutionConfig{ServiceAccountName: "cluster-admin-runner"}
		}, "spec.executionConfig.serviceAccountName"},
		{"bundle outside the allowed repositories", func(w *v1alpha1.WorkflowExecution) {
			w.Spec.WorkflowRef.ContainerImage = "evil.example.com/remediation/restart:v1"
		}, "spec.workflowRef.containerImage"},
	}
	byPolicy := 0
	for i, tc := range admitted {
		t.Run(tc.name, func(t *testing.T) {
			w := &v1alpha1.WorkflowExecution{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("refused-%d", i)},
				Spec: v1alpha1.WorkflowExecutionSpec{
					WorkflowRef:    v1alpha1.WorkflowRef{WorkflowID: "restart", Version: "1.0.0", ContainerImage: image},
					TargetResource: fmt.Sprintf("payment/Deployment/refused-%d", i),
				},
			}
			tc.mutate(w)
			if _, err := typed.Create(ctx, w, metav1.CreateOptions{}); err != nil {
				if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), tc.field) {
					t.Fatalf("creating: %v, want success or the admission policy's Forbidden naming %s", err, tc.field)
				}
				rejected++
				byPolicy++
				return
			}
			wctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			got, err := st.watcher.waitDone(wctx, ns, w.Name)
			if err != nil {
				t.Fatalf("not terminal: %v (%s)", err, describe(got))
			}
			c := got.Status.GetSucceededCondition()
			fd := got.Status.FailureDetails
			if got.Status.Phase != v1alpha1.PhaseFailed || c == nil || c.Status != corev1.ConditionFalse ||
				fd == nil || fd.Reason != v1alpha1.FailureReasonConfigurationError || fd.WasExecutionFailure ||
				!strings.Contains(c.Message, tc.field) || got.Status.PipelineRunRef != nil {
				t.Errorf("got %s (failureDetails %+v), want Failed/ConfigurationError naming %s and no PipelineRun", describe(got), fd, tc.field)
			} else {
				rejected++
			}
		})
	}

	// The controller is not wedged: a valid execution runs to completion.
	st.run(ctx)
	f := st.verify(t, fmt.Sprintf("malformed input (%d cases) then a valid execution", len(cases)+len(updates)+len(admitted)), verifyOptions{})
	f.Executions = len(cases) + len(updates) + len(admitted) + 1
	f.Notes = append(f.Notes, fmt.Sprintf("%d of %d malformed creates/updates rejected naming the field (%d by the API server's schema, %d by the admission policy, %d by the controller)",
		rejected, len(cases)+len(updates)+len(admitted), len(cases)+len(updates), byPolicy, len(admitted)-byPolicy))
	report.add(f)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
