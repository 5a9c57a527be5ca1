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
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	crdvalidation "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	schemavalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/yaml"
)

const crdPath = "../../../../config/300-workflowexecution.yaml"

// loadCRD reads the generated CRD.
func loadCRD(t testing.TB) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	b, err := os.ReadFile(crdPath)
	if err != nil {
		t.Fatalf("reading the CRD: %v", err)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(b, crd); err != nil {
		t.Fatalf("parsing %s: %v", crdPath, err)
	}
	if got := len(crd.Spec.Versions); got != 1 || crd.Spec.Versions[0].Name != SchemeGroupVersion.Version {
		t.Fatalf("the CRD serves %d versions, want exactly %s", got, SchemeGroupVersion.Version)
	}
	return crd
}

// admission validates objects as the API server does for this CRD: the
// OpenAPI schema (types, patterns, lengths, enums) and the CEL rules,
// including the transition rules on update.
type admission struct {
	schema     schemavalidation.SchemaValidator
	structural *structuralschema.Structural
	cel        *cel.Validator
}

func newAdmission(t testing.TB) *admission {
	t.Helper()
	crd := loadCRD(t)
	internal := &apiextensions.JSONSchemaProps{}
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(crd.Spec.Versions[0].Schema.OpenAPIV3Schema, internal, nil); err != nil {
		t.Fatalf("converting the schema: %v", err)
	}
	schema, _, err := schemavalidation.NewSchemaValidator(internal)
	if err != nil {
		t.Fatalf("building the schema validator: %v", err)
	}
	structural, err := structuralschema.NewStructural(internal)
	if err != nil {
		t.Fatalf("the schema is not structural: %v", err)
	}
	return &admission{
		schema:     schema,
		structural: structural,
		cel:        cel.NewValidator(structural, true, celconfig.PerCallLimit),
	}
}

// admit returns the errors the API server would report creating w, or
// updating old to w when old is not nil.
func (a *admission) admit(t testing.TB, w, old *WorkflowExecution) field.ErrorList {
	t.Helper()
	obj := toUnstructured(t, w)
	var oldObj any
	if old != nil {
		oldObj = toUnstructured(t, old)
	}
	errs := schemavalidation.ValidateCustomResource(nil, obj, a.schema)
	celErrs, _ := a.cel.Validate(context.Background(), nil, a.structural, obj, oldObj, celconfig.RuntimeCELCostBudget)
	return append(errs, celErrs...)
}

func toUnstructured(t testing.TB, w *WorkflowExecution) map[string]any {
	t.Helper()
	w = w.DeepCopy()
	w.APIVersion = SchemeGroupVersion.String()
	w.Kind = "WorkflowExecution"
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(w)
	if err != nil {
		t.Fatalf("converting to unstructured: %v", err)
	}
	return obj
}

// TestCRDIsValid checks the generated CRD as the API server does when it is
// applied: structural schema, CEL rules that compile and fit the cost budget.
func TestCRDIsValid(t *testing.T) {
	crd := loadCRD(t)
	apiextensionsv1.SetObjectDefaults_CustomResourceDefinition(crd)
	internal := &apiextensions.CustomResourceDefinition{}
	if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(crd, internal, nil); err != nil {
		t.Fatalf("converting the CRD: %v", err)
	}
	if errs := crdvalidation.ValidateCustomResourceDefinition(context.Background(), internal); len(errs) > 0 {
		t.Errorf("the CRD is invalid: %v", errs.ToAggregate())
	}
	if diff := cmp.Diff(SchemeGroupVersion.Group, crd.Spec.Group); diff != "" {
		t.Errorf("group (-want, +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"wfe"}, crd.Spec.Names.ShortNames); diff != "" {
		t.Errorf("short names (-want, +got):\n%s", diff)
	}
	var columns []string
	for _, c := range crd.Spec.Versions[0].AdditionalPrinterColumns {
		columns = append(columns, c.Name)
	}
	wantColumns := []string{"Succeeded", "Reason", "Phase", "Workflow", "Target", "StartTime", "CompletionTime", "Age"}
	if diff := cmp.Diff(wantColumns, columns); diff != "" {
		t.Errorf("printer columns (-want, +got):\n%s", diff)
	}
}

// stringField is a string field of the spec that the CRD checks with a
// pattern and the Go validation checks with code.
type stringField struct {
	name string
	// path in the CRD's schema, from spec.
	path []string
	// set puts the value into a valid WorkflowExecution.
	set func(w *WorkflowExecution, v string)
}

var patternFields = []stringField{{
	name: "targetResource",
	path: []string{"targetResource"},
	set:  func(w *WorkflowExecution, v string) { w.Spec.TargetResource = v },
}, {
	name: "containerImage",
	path: []string{"workflowRef", "containerImage"},
	set:  func(w *WorkflowExecution, v string) { w.Spec.WorkflowRef.ContainerImage = v },
}, {
	name: "containerDigest",
	path: []string{"workflowRef", "containerDigest"},
	set:  func(w *WorkflowExecution, v string) { w.Spec.WorkflowRef.ContainerDigest = v },
}, {
	name: "serviceAccountName",
	path: []string{"executionConfig", "serviceAccountName"},
	set: func(w *WorkflowExecution, v string) {
		w.Spec.ExecutionConfig = &ExecutionConfig{ServiceAccountName: v}
	},
}}

type patternCase struct {
	in string
	// valid is the verdict of both Validate and the API server.
	valid bool
	// byCEL: the pattern and lengths admit the value, but a CEL rule of
	// the field rejects it (e.g. a target's name longer than 253).
	byCEL bool
}

var (
	digest64     = strings.Repeat("0123456789abcdef", 4)
	patternCases = map[string][]patternCase{
		"targetResource": {
			{in: "payment/deployment/api", valid: true},
			{in: "payment/Deployment/api", valid: true},
			{in: "Node/worker-1", valid: true},
			{in: "a/b", valid: true},
			{in: "ClusterRole/system.admin", valid: true},
			{in: strings.Repeat("n", 63) + "/K" + strings.Repeat("a", 62) + "/" + strings.Repeat("a", 253), valid: true},
			{in: "payment/configmap/" + strings.Repeat("a", 253), valid: true},
			{in: "payment/configmap/" + strings.Repeat("a", 254), byCEL: true},
			{in: "configmap/" + strings.Repeat("a.", 126) + "bc", byCEL: true},
			{in: "deployment"},
			{in: "a/b/c/d"},
			{in: "/deployment/api"},
			{in: "payment//api"},
			{in: "payment/deployment/"},
			{in: "payment/deployment/api/"},
			{in: "/api"},
			{in: "node/"},
			{in: "payment/1deployment/api"},
			{in: "payment/stateful-set/api"},
			{in: "payment/Dépl/api"},
			{in: "payment/K" + strings.Repeat("a", 63) + "/api"},
			{in: "Payment/deployment/api"},
			{in: strings.Repeat("n", 64) + "/deployment/api"},
			{in: "payment-/deployment/api"},
			{in: "payment/deployment/API"},
			{in: "payment/deployment/api_v2"},
			{in: "payment/deployment/a..b"},
			{in: "payment/deployment/-api"},
			{in: "payment/deployment/api\n"},
		},
		"containerImage": {
			{in: "ghcr.io/kubernaut/workflows/restart:v1", valid: true},
			{in: "registry.example.com:5000/team/restart:v1.2.3", valid: true},
			{in: "localhost:5000/restart", valid: true},
			{in: "localhost/restart", valid: true},
			{in: "registry:5000/restart", valid: true},
			{in: "REGISTRY.example.com/restart", valid: true},
			{in: "1.2.3.4:5000/restart", valid: true},
			{in: "restart", valid: true},
			{in: "ab", valid: true},
			{in: "library/busybox:latest", valid: true},
			{in: "ghcr.io/a/b", valid: true},
			{in: "ghcr.io/kubernaut/restart@sha256:" + digest64, valid: true},
			{in: "ghcr.io/kubernaut/restart:v1@sha256:" + digest64, valid: true},
			{in: "ghcr.io/kubernaut/re_start__x.y-z---w:_tag.1-x", valid: true},
			{in: "ghcr.io/kubernaut/restart:" + strings.Repeat("t", 128), valid: true},
			{in: "ghcr.io/" + strings.Repeat("r", 255), valid: true},
			{in: strings.Repeat("r", 255) + ":v1", valid: true},
			{in: "a", byCEL: true},
			{in: "a:v1", byCEL: true},
			{in: "ghcr.io/a", byCEL: true},
			{in: "localhost/a", byCEL: true},
			{in: "registry:5000/a", byCEL: true},
			{in: "ghcr.io/a@sha256:" + digest64, byCEL: true},
			{in: "ghcr.io/" + strings.Repeat("r", 256), byCEL: true},
			{in: strings.Repeat("r", 256), byCEL: true},
			{in: "localhost/" + strings.Repeat("r", 256), byCEL: true},
			{in: ""},
			{in: ":"},
			{in: "restart:"},
			{in: "restart bundle"},
			{in: "Restart"},
			{in: "ghcr.io/Kubernaut/restart"},
			{in: "Registry/restart"},
			{in: "foo..bar"},
			{in: "-foo"},
			{in: "foo-"},
			{in: "foo/"},
			{in: "foo//bar"},
			{in: "foo___bar"},
			{in: "foo:-tag"},
			{in: "foo:.tag"},
			{in: "foo:bar:baz"},
			{in: "ghcr.io/kubernaut/restart:" + strings.Repeat("t", 129)},
			{in: "[::1]:5000/restart"},
			{in: "example.com:/restart"},
			{in: "-registry.io/restart"},
			{in: "registry-.io/restart"},
			{in: "ghcr.io/kubernaut/restart@sha256:" + strings.ToUpper(digest64)},
			{in: "ghcr.io/kubernaut/restart@sha256:" + digest64[:63]},
			{in: "ghcr.io/kubernaut/restart@sha512:" + digest64 + digest64},
			{in: "ghcr.io/kubernaut/restart@sha256:" + digest64 + "@sha256:" + digest64},
			{in: "ghcr.io/" + strings.Repeat("r", 510)},
		},
		"containerDigest": {
			{in: "sha256:" + digest64, valid: true},
			{in: "sha256:" + strings.ToUpper(digest64)},
			{in: "sha256:" + digest64[:63]},
			{in: "sha256:" + digest64 + "0"},
			{in: "sha512:" + digest64 + digest64},
			{in: "md5:" + digest64[:32]},
			{in: digest64},
			{in: "sha256:" + digest64 + "\n"},
			{in: "sha256:" + strings.Repeat("g", 64)},
		},
		"serviceAccountName": {
			{in: "kubernaut-workflow-runner", valid: true},
			{in: "runner.v1", valid: true},
			{in: "a", valid: true},
			{in: strings.Repeat("a", 253), valid: true},
			{in: strings.Repeat("a", 254)},
			{in: "Runner"},
			{in: "runner_1"},
			{in: "-runner"},
			{in: "runner-"},
			{in: "runner..v1"},
			{in: "system:serviceaccount:x:y"},
		},
	}
)

// TestCRDPatternsAgreeWithValidate checks that the CRD's pattern and length
// limits for each field accept exactly what the Go validation accepts, save
// for the values that a CEL rule of the field rejects, and that the whole
// admission (schema and CEL) gives the same verdict as Validate.
func TestCRDPatternsAgreeWithValidate(t *testing.T) {
	crd := loadCRD(t)
	adm := newAdmission(t)
	spec := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"]

	for _, f := range patternFields {
		props := spec
		for _, p := range f.path {
			props = props.Properties[p]
		}
		if props.Pattern == "" {
			t.Fatalf("the CRD has no pattern for spec.%s", strings.Join(f.path, "."))
		}
		re := regexp.MustCompile(props.Pattern)
		schemaAdmits := func(v string) bool {
			n := int64(utf8.RuneCountInString(v))
			if props.MinLength != nil && n < *props.MinLength {
				return false
			}
			if props.MaxLength != nil && n > *props.MaxLength {
				return false
			}
			return re.MatchString(v)
		}
		cases := patternCases[f.name]
		if len(cases) == 0 {
			t.Fatalf("no cases for %s", f.name)
		}
		for _, tc := range cases {
			t.Run(f.name+"/"+shorten(tc.in), func(t *testing.T) {
				w := validWorkflowExecution()
				f.set(w, tc.in)
				verr := w.Validate(context.Background())
				if got := verr == nil; got != tc.valid {
					t.Errorf("Validate() with %s = %q: valid = %v, want %v (error: %v)", f.name, tc.in, got, tc.valid, verr)
				}
				if got, want := schemaAdmits(tc.in), tc.valid || tc.byCEL; got != want {
					t.Errorf("CRD pattern %q and lengths with %q: match = %v, want %v", props.Pattern, tc.in, got, want)
				}
				errs := adm.admit(t, w, nil)
				if got := len(errs) == 0; got != tc.valid {
					t.Errorf("API server admission of %s = %q: admitted = %v, want %v (errors: %v)", f.name, tc.in, got, tc.valid, errs.ToAggregate())
				}
			})
		}
	}
}

// TestImagePatternMatchesValidation checks that the Go copy of the CRD's
// containerImage pattern is the pattern of the CRD.
func TestImagePatternMatchesValidation(t *testing.T) {
	crd := loadCRD(t)
	got := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["workflowRef"].Properties["containerImage"].Pattern
	if diff := cmp.Diff(imageRE.String(), got); diff != "" {
		t.Errorf("CRD containerImage pattern (-Go, +CRD):\n%s", diff)
	}
	gotDigest := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["workflowRef"].Properties["containerDigest"].Pattern
	if diff := cmp.Diff(digestRE.String(), gotDigest); diff != "" {
		t.Errorf("CRD containerDigest pattern (-Go, +CRD):\n%s", diff)
	}
}

// TestAdmissionAgreesWithValidate checks whole objects: the API server
// admits exactly the objects Validate accepts.
func TestAdmissionAgreesWithValidate(t *testing.T) {
	adm := newAdmission(t)
	tests := []struct {
		name   string
		mutate func(w *WorkflowExecution)
		// update, when set, changes a copy of the valid object after
		// creation: the check is then on the update.
		update func(w *WorkflowExecution)
		valid  bool
	}{{
		name:  "valid",
		valid: true,
	}, {
		name: "every optional field",
		mutate: func(w *WorkflowExecution) {
			w.Spec.WorkflowRef.ContainerDigest = "sha256:" + digest64
			w.Spec.Parameters = map[string]string{"REPLICAS": "3", "_x-y": "a=b\nc", "Z": "ünïcode"}
			w.Spec.Confidence = ptr(0.0)
			w.Spec.Rationale = strings.Repeat("é", maxRationaleLength)
			w.Spec.ExecutionConfig = &ExecutionConfig{Timeout: duration("90m"), ServiceAccountName: "runner"}
		},
		valid: true,
	}, {
		name:   "name of 63 characters",
		mutate: func(w *WorkflowExecution) { w.Name = strings.Repeat("n", 63) },
		valid:  true,
	}, {
		name:   "name of 64 characters",
		mutate: func(w *WorkflowExecution) { w.Name = strings.Repeat("n", 64) },
	}, {
		name:   "missing workflowId",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.WorkflowID = "" },
	}, {
		name:   "workflowId of 253 characters",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.WorkflowID = strings.Repeat("w", 253) },
		valid:  true,
	}, {
		name:   "workflowId with non-ASCII letters",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.WorkflowID = "redémarrer" },
	}, {
		name:   "workflowId with a terminal escape sequence",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.WorkflowID = "restart\x1b[2J\x1b]0;owned\a" },
	}, {
		name:   "workflowId with a newline",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.WorkflowID = "restart\nWorkflow x completed" },
	}, {
		name:   "workflowId with dots, underscores and hyphens",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.WorkflowID = "oom_kill.increase-memory-v2" },
		valid:  true,
	}, {
		name:   "workflowId of 254 characters",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.WorkflowID = strings.Repeat("w", 254) },
	}, {
		name:   "missing version",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.Version = "" },
	}, {
		name:   "version of 128 characters",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.Version = strings.Repeat("v", 128) },
		valid:  true,
	}, {
		name:   "version with a control character",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.Version = "v1\x07" },
	}, {
		name:   "semver version with build metadata",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.Version = "v1.4.0-rc.1+build.7" },
		valid:  true,
	}, {
		name:   "kind.group target",
		mutate: func(w *WorkflowExecution) { w.Spec.TargetResource = w.Namespace + "/deployments.apps/api" },
		valid:  true,
	}, {
		name:   "version of 129 characters",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.Version = strings.Repeat("v", 129) },
	}, {
		name:   "missing containerImage",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.ContainerImage = "" },
	}, {
		name:   "missing targetResource",
		mutate: func(w *WorkflowExecution) { w.Spec.TargetResource = "" },
	}, {
		name: "digest in the image and containerDigest",
		mutate: func(w *WorkflowExecution) {
			w.Spec.WorkflowRef.ContainerImage = "ghcr.io/kubernaut/restart@sha256:" + digest64
			w.Spec.WorkflowRef.ContainerDigest = "sha256:" + digest64
		},
	}, {
		name: "digest in the image only",
		mutate: func(w *WorkflowExecution) {
			w.Spec.WorkflowRef.ContainerImage = "ghcr.io/kubernaut/restart@sha256:" + digest64
		},
		valid: true,
	}, {
		name:   "128 parameters",
		mutate: func(w *WorkflowExecution) { w.Spec.Parameters = params(128) },
		valid:  true,
	}, {
		name:   "129 parameters",
		mutate: func(w *WorkflowExecution) { w.Spec.Parameters = params(129) },
	}, {
		name:   "parameter name of 128 characters",
		mutate: func(w *WorkflowExecution) { w.Spec.Parameters = map[string]string{strings.Repeat("P", 128): ""} },
		valid:  true,
	}, {
		name:   "parameter name of 129 characters",
		mutate: func(w *WorkflowExecution) { w.Spec.Parameters = map[string]string{strings.Repeat("P", 129): ""} },
	}, {
		name:   "parameter name with a dot",
		mutate: func(w *WorkflowExecution) { w.Spec.Parameters = map[string]string{"a.b": "x"} },
	}, {
		name:   "parameter name with a leading digit",
		mutate: func(w *WorkflowExecution) { w.Spec.Parameters = map[string]string{"1A": "x"} },
	}, {
		name:   "empty parameter name",
		mutate: func(w *WorkflowExecution) { w.Spec.Parameters = map[string]string{"": "x"} },
	}, {
		name:   "reserved parameter",
		mutate: func(w *WorkflowExecution) { w.Spec.Parameters = map[string]string{ReservedTargetParam: "x"} },
	}, {
		name:   "confidence 1",
		mutate: func(w *WorkflowExecution) { w.Spec.Confidence = ptr(1.0) },
		valid:  true,
	}, {
		name:   "confidence -0.1",
		mutate: func(w *WorkflowExecution) { w.Spec.Confidence = ptr(-0.1) },
	}, {
		name:   "confidence 1.1",
		mutate: func(w *WorkflowExecution) { w.Spec.Confidence = ptr(1.1) },
	}, {
		name:   "rationale of 4097 characters",
		mutate: func(w *WorkflowExecution) { w.Spec.Rationale = strings.Repeat("r", maxRationaleLength+1) },
	}, {
		name:   "timeout 1ns",
		mutate: func(w *WorkflowExecution) { w.Spec.ExecutionConfig = &ExecutionConfig{Timeout: duration("1ns")} },
		valid:  true,
	}, {
		// metav1.Duration writes "1.5µs" with U+00B5, which the pattern must allow.
		name:   "timeout 1.5µs",
		mutate: func(w *WorkflowExecution) { w.Spec.ExecutionConfig = &ExecutionConfig{Timeout: duration("1500ns")} },
		valid:  true,
	}, {
		name:   "timeout 1h30m",
		mutate: func(w *WorkflowExecution) { w.Spec.ExecutionConfig = &ExecutionConfig{Timeout: duration("90m")} },
		valid:  true,
	}, {
		name:   "timeout 0",
		mutate: func(w *WorkflowExecution) { w.Spec.ExecutionConfig = &ExecutionConfig{Timeout: duration("0s")} },
	}, {
		name:   "negative timeout",
		mutate: func(w *WorkflowExecution) { w.Spec.ExecutionConfig = &ExecutionConfig{Timeout: duration("-1m")} },
	}, {
		name:   "empty executionConfig",
		mutate: func(w *WorkflowExecution) { w.Spec.ExecutionConfig = &ExecutionConfig{} },
		valid:  true,
	}, {
		name:   "update: unchanged spec, new status",
		update: func(w *WorkflowExecution) { w.Status.MarkRunning("running") },
		valid:  true,
	}, {
		name:   "update: changed target",
		update: func(w *WorkflowExecution) { w.Spec.TargetResource = "payment/deployment/web" },
	}, {
		name:   "update: added parameter",
		update: func(w *WorkflowExecution) { w.Spec.Parameters = map[string]string{"A": "b"} },
	}}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := validWorkflowExecution()
			if tc.mutate != nil {
				tc.mutate(w)
			}
			ctx := context.Background()
			var old *WorkflowExecution
			if tc.update != nil {
				old = w.DeepCopy()
				tc.update(w)
				ctx = apis.WithinUpdate(ctx, old)
			}
			verr := w.Validate(ctx)
			if got := verr == nil; got != tc.valid {
				t.Errorf("Validate(): valid = %v, want %v (error: %v)", got, tc.valid, verr)
			}
			errs := adm.admit(t, w, old)
			if got := len(errs) == 0; got != tc.valid {
				t.Errorf("API server admission: admitted = %v, want %v (errors: %v)", got, tc.valid, errs.ToAggregate())
			}
		})
	}
}

// shorten keeps subtest names readable for long inputs.
func shorten(s string) string {
	if len(s) <= 60 {
		return s
	}
	return fmt.Sprintf("%s...(%d)", s[:40], len(s))
}
