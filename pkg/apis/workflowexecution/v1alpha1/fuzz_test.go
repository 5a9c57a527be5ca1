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

package v1alpha1

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"knative.dev/pkg/apis"
)

// FuzzParseTarget checks that ParseTarget never panics, that a parsed
// target's canonical form parses again to itself with a lower-case kind,
// and that ParseTarget accepts exactly what the CRD accepts (pattern,
// lengths and the CEL rule on the length of the name).
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{
		"payment/deployment/api",
		"payment/Deployment/api",
		"Node/worker-1",
		"ClusterRole/system.admin",
		"a/b",
		"",
		"/",
		"//",
		"a/b/c/d",
		"/deployment/api",
		"payment/deployment/",
		"payment/1deployment/api",
		"payment/stateful-set/api",
		"Payment/deployment/api",
		"payment/deployment/api\n",
		"payment/Dépl/api",
		"configmap/" + strings.Repeat("a", 254),
	} {
		f.Add(s)
	}

	props := loadCRD(f).Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["targetResource"]
	pattern := regexp.MustCompile(props.Pattern)
	crdAdmits := func(s string) bool {
		n := int64(utf8.RuneCountInString(s))
		name := s[strings.LastIndex(s, "/")+1:]
		return n >= *props.MinLength && n <= *props.MaxLength && pattern.MatchString(s) &&
			utf8.RuneCountInString(name) <= 253 // the CEL rule on the name
	}

	f.Fuzz(func(t *testing.T, s string) {
		target, err := ParseTarget(s)
		canonical, cerr := CanonicalTarget(s)
		if (err == nil) != (cerr == nil) {
			t.Fatalf("ParseTarget(%q) error = %v but CanonicalTarget error = %v", s, err, cerr)
		}
		if got := crdAdmits(s); got != (err == nil) {
			t.Fatalf("ParseTarget(%q) error = %v, but the CRD admits it = %v", s, err, got)
		}
		if err != nil {
			if canonical != "" || target != (Target{}) {
				t.Fatalf("ParseTarget(%q) failed but returned %+v, %q", s, target, canonical)
			}
			return
		}
		if canonical != target.Canonical() {
			t.Fatalf("CanonicalTarget(%q) = %q, Canonical() = %q", s, canonical, target.Canonical())
		}
		again, err := ParseTarget(canonical)
		if err != nil {
			t.Fatalf("the canonical form %q of %q does not parse: %v", canonical, s, err)
		}
		if again.Canonical() != canonical {
			t.Fatalf("Canonical is not idempotent: %q -> %q", canonical, again.Canonical())
		}
		if again.Kind != strings.ToLower(again.Kind) {
			t.Fatalf("the canonical form %q has kind %q, want lower case", canonical, again.Kind)
		}
		if again.Namespace != target.Namespace || again.Name != target.Name || !strings.EqualFold(again.Kind, target.Kind) {
			t.Fatalf("the canonical form %+v of %q differs in more than the case of the kind from %+v", again, s, target)
		}
		// Any spelling of the kind shares the lock key.
		upper := Target{Namespace: target.Namespace, Kind: strings.ToUpper(target.Kind), Name: target.Name}
		if upper.Canonical() != canonical {
			t.Fatalf("Canonical of %+v = %q, want %q", upper, upper.Canonical(), canonical)
		}
	})
}

// FuzzValidate checks that Validate never panics, that the targetResource
// field has an error exactly when ParseTarget rejects the target, and that
// parameter values are never validated.
func FuzzValidate(f *testing.F) {
	digest := "sha256:" + strings.Repeat("0123456789abcdef", 4)
	f.Add("payment/deployment/api", "ghcr.io/kubernaut/restart:v1", "", "REPLICAS", "3")
	f.Add("Node/worker-1", "ghcr.io/kubernaut/restart@"+digest, digest, "A", "x=y\nz")
	f.Add("payment/Deployment/api", "localhost:5000/restart", digest, "TARGET_RESOURCE", "ü")
	f.Add("", "", "", "", "")
	f.Add("a/b/c/d", ":", "sha256:ABC", "a.b", "")
	f.Add("/api", "ghcr.io/Kubernaut/restart", "md5:00", "1A", "\x00")

	f.Fuzz(func(t *testing.T, target, image, digest, key, value string) {
		w := validWorkflowExecution()
		w.Spec.TargetResource = target
		w.Spec.WorkflowRef.ContainerImage = image
		w.Spec.WorkflowRef.ContainerDigest = digest
		w.Spec.Parameters = map[string]string{key: value}
		errs := w.Validate(context.Background())

		paths := map[string]bool{}
		for _, e := range errs.WrappedErrors() {
			for _, p := range e.Paths {
				paths[p] = true
			}
		}
		_, terr := ParseTarget(target)
		if got, want := paths["spec.targetResource"], terr != nil; got != want {
			t.Fatalf("target %q: error on spec.targetResource = %v, want %v (ParseTarget: %v; Validate: %v)", target, got, want, terr, errs)
		}
		keyOK := key != ReservedTargetParam && len(key) <= maxParamNameLength && paramNameRE.MatchString(key)
		if keyOK && (paths["spec.parameters"] || paths["spec.parameters["+key+"]"]) {
			t.Fatalf("parameter %q=%q: unexpected error %v", key, value, errs)
		}
		if !keyOK && !paths["spec.parameters"] && !paths["spec.parameters["+key+"]"] {
			t.Fatalf("parameter name %q: no error, want one (%v)", key, errs)
		}
		for p := range paths {
			if p != "spec.targetResource" && !strings.HasPrefix(p, "spec.workflowRef.container") && !strings.HasPrefix(p, "spec.parameters") {
				t.Fatalf("error on %q, a field the fuzzer did not set: %v", p, errs)
			}
		}
	})
}

// admissionFields are the fields FuzzAdmissionAgreesWithValidate sets, one
// at a time, in an otherwise valid execution.
var admissionFields = []struct {
	name string
	set  func(w *WorkflowExecution, v string) bool
}{
	{"targetResource", func(w *WorkflowExecution, v string) bool { w.Spec.TargetResource = v; return true }},
	{"containerImage", func(w *WorkflowExecution, v string) bool { w.Spec.WorkflowRef.ContainerImage = v; return true }},
	{"containerDigest", func(w *WorkflowExecution, v string) bool { w.Spec.WorkflowRef.ContainerDigest = v; return true }},
	{"image@digest", func(w *WorkflowExecution, v string) bool {
		w.Spec.WorkflowRef.ContainerImage = "ghcr.io/kubernaut/restart@" + v
		w.Spec.WorkflowRef.ContainerDigest = v
		return true
	}},
	{"workflowId", func(w *WorkflowExecution, v string) bool { w.Spec.WorkflowRef.WorkflowID = v; return true }},
	{"version", func(w *WorkflowExecution, v string) bool { w.Spec.WorkflowRef.Version = v; return true }},
	{"rationale", func(w *WorkflowExecution, v string) bool { w.Spec.Rationale = v; return true }},
	{"parameter name", func(w *WorkflowExecution, v string) bool { w.Spec.Parameters = map[string]string{v: "v"}; return true }},
	{"serviceAccountName", func(w *WorkflowExecution, v string) bool {
		w.Spec.ExecutionConfig = &ExecutionConfig{ServiceAccountName: v}
		return true
	}},
	{"timeout", func(w *WorkflowExecution, v string) bool {
		d, err := time.ParseDuration(v)
		w.Spec.ExecutionConfig = &ExecutionConfig{Timeout: &metav1.Duration{Duration: d}}
		return err == nil
	}},
	{"confidence", func(w *WorkflowExecution, v string) bool {
		c, err := strconv.ParseFloat(v, 64)
		w.Spec.Confidence = &c
		return err == nil
	}},
	{"name", func(w *WorkflowExecution, v string) bool {
		w.Name = v
		// The API server checks names before the schema; only length matters here.
		return validation.IsDNS1123Subdomain(v) == nil
	}},
}

// FuzzAdmissionAgreesWithValidate checks that the API server (the CRD's
// schema and CEL rules) admits an execution exactly when Validate accepts
// it. The fuzzer sets one field of a valid execution; the object goes
// through JSON first, as it would on its way to the API server.
func FuzzAdmissionAgreesWithValidate(f *testing.F) {
	digest := "sha256:" + strings.Repeat("0123456789abcdef", 4)
	seeds := map[string][]string{
		"targetResource":     {"payment/Deployment/api", "configmap/" + strings.Repeat("a", 254), "a/b/c/d"},
		"containerImage":     {"localhost/a", "Registry/restart", "ghcr.io/kubernaut/restart@" + digest, "foo..bar"},
		"containerDigest":    {digest, "sha256:ABC"},
		"image@digest":       {digest},
		"workflowId":         {strings.Repeat("é", 253), ""},
		"version":            {strings.Repeat("v", 129)},
		"rationale":          {"why"},
		"parameter name":     {"TARGET_RESOURCE", "a.b", "_x-1"},
		"serviceAccountName": {"Runner", "a..b"},
		"timeout":            {"0s", "-1m", "1ns", "2562047h"},
		"confidence":         {"1", "1.0000001", "-0", "NaN"},
		"name":               {strings.Repeat("n", 64)},
	}
	for i, field := range admissionFields {
		for _, v := range seeds[field.name] {
			f.Add(uint8(i), v)
		}
	}

	adm := newAdmission(f)
	f.Fuzz(func(t *testing.T, field uint8, value string) {
		w := validWorkflowExecution()
		if !admissionFields[int(field)%len(admissionFields)].set(w, value) {
			return
		}
		b, err := json.Marshal(w)
		if err != nil {
			return // NaN or infinite confidence: not representable in JSON
		}
		w = &WorkflowExecution{}
		if err := json.Unmarshal(b, w); err != nil {
			t.Fatalf("json.Unmarshal(%s) = %v", b, err)
		}
		verr := w.Validate(apis.WithinCreate(context.Background()))
		aerrs := adm.admit(t, w, nil)
		if (verr == nil) != (len(aerrs) == 0) {
			t.Fatalf("Validate() = %v\nbut the API server says: %v\nfor %s", verr, aerrs.ToAggregate(), b)
		}
	})
}
