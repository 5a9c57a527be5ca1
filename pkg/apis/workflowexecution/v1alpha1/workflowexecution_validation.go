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
	"math"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/google/go-containerregistry/pkg/name"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation"
	"knative.dev/pkg/apis"
)

// ReservedTargetParam is the pipeline parameter the controller sets to the target.
const ReservedTargetParam = "TARGET_RESOURCE"

const (
	maxNameLength       = validation.LabelValueMaxLength
	maxWorkflowIDLength = 253
	maxVersionLength    = 128
	maxImageLength      = 512
	maxParams           = 128
	maxParamNameLength  = 128
	maxRationaleLength  = 4096
)

var (
	paramNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_-]*$`)
	digestRE    = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
	// workflowIDRE and versionRE are the CRD's patterns of workflowId and
	// version: identifiers operators read in kubectl, events and
	// summaries, so no control character nor space.
	workflowIDRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`)
	versionRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)
	// imageRE is the OCI reference grammar of the CRD's containerImage
	// pattern (keep the two identical; a test checks it). It is stricter
	// than go-containerregistry, which accepts e.g. "foo..bar" or a tag
	// starting with "-"; a registry must contain a dot or a port, as
	// go-containerregistry reads a first path component without one as
	// part of the repository.
	imageRE = regexp.MustCompile(`^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?((\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)+(:[0-9]+)?|:[0-9]+)/)?[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*(:[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$`)
)

// Validate implements apis.Validatable. It checks every rule of the API; the
// CRD's schema and CEL rules check the same at the API server.
func (w *WorkflowExecution) Validate(ctx context.Context) *apis.FieldError {
	var errs *apis.FieldError
	if len(w.Name) > maxNameLength {
		errs = errs.Also(apis.ErrInvalidValue(fmt.Sprintf("must be no more than %d characters (it is used as a label value)", maxNameLength), "name").ViaField("metadata"))
	}
	if apis.IsInUpdate(ctx) {
		if old, ok := apis.GetBaseline(ctx).(*WorkflowExecution); ok && !equality.Semantic.DeepEqual(old.Spec, w.Spec) {
			errs = errs.Also(apis.ErrGeneric("spec is immutable", "spec"))
		}
	}
	return errs.Also(w.Spec.Validate(ctx).ViaField("spec"))
}

// Validate checks a WorkflowExecutionSpec.
func (s *WorkflowExecutionSpec) Validate(ctx context.Context) *apis.FieldError {
	errs := s.WorkflowRef.Validate(ctx).ViaField("workflowRef")
	if s.TargetResource == "" {
		errs = errs.Also(apis.ErrMissingField("targetResource"))
	} else if _, err := ParseTarget(s.TargetResource); err != nil {
		errs = errs.Also(apis.ErrInvalidValue(err.Error(), "targetResource"))
	}
	errs = errs.Also(validateParameters(s.Parameters).ViaField("parameters"))
	if s.Confidence != nil && (math.IsNaN(*s.Confidence) || *s.Confidence < 0 || *s.Confidence > 1) {
		errs = errs.Also(apis.ErrOutOfBoundsValue(*s.Confidence, 0, 1, "confidence"))
	}
	if utf8.RuneCountInString(s.Rationale) > maxRationaleLength {
		errs = errs.Also(apis.ErrInvalidValue(fmt.Sprintf("must be no more than %d characters", maxRationaleLength), "rationale"))
	}
	if s.ExecutionConfig != nil {
		errs = errs.Also(s.ExecutionConfig.Validate(ctx).ViaField("executionConfig"))
	}
	return errs
}

// Validate checks a WorkflowRef.
func (r *WorkflowRef) Validate(context.Context) *apis.FieldError {
	var errs *apis.FieldError
	switch {
	case r.WorkflowID == "":
		errs = errs.Also(apis.ErrMissingField("workflowId"))
	case utf8.RuneCountInString(r.WorkflowID) > maxWorkflowIDLength:
		errs = errs.Also(apis.ErrInvalidValue(fmt.Sprintf("must be no more than %d characters", maxWorkflowIDLength), "workflowId"))
	case !workflowIDRE.MatchString(r.WorkflowID):
		errs = errs.Also(apis.ErrInvalidValue(fmt.Sprintf("%q must contain only letters, digits, '.', '_' and '-', and start and end with a letter or digit", r.WorkflowID), "workflowId"))
	}
	switch {
	case r.Version == "":
		errs = errs.Also(apis.ErrMissingField("version"))
	case utf8.RuneCountInString(r.Version) > maxVersionLength:
		errs = errs.Also(apis.ErrInvalidValue(fmt.Sprintf("must be no more than %d characters", maxVersionLength), "version"))
	case !versionRE.MatchString(r.Version):
		errs = errs.Also(apis.ErrInvalidValue(fmt.Sprintf("%q must contain only letters, digits, '.', '_', '+' and '-', and start with a letter or digit", r.Version), "version"))
	}
	errs = errs.Also(validateImage(r.ContainerImage, r.ContainerDigest))
	if r.ContainerDigest != "" && !digestRE.MatchString(r.ContainerDigest) {
		errs = errs.Also(apis.ErrInvalidValue(fmt.Sprintf("%q must be sha256:<64 lower-case hex digits>", r.ContainerDigest), "containerDigest"))
	}
	return errs
}

func validateImage(image, digest string) *apis.FieldError {
	if image == "" {
		return apis.ErrMissingField("containerImage")
	}
	if len(image) > maxImageLength {
		return apis.ErrInvalidValue(fmt.Sprintf("must be no more than %d characters", maxImageLength), "containerImage")
	}
	ref, err := name.ParseReference(image)
	if err != nil {
		return apis.ErrInvalidValue(fmt.Sprintf("%q is not a valid OCI reference: %v", image, err), "containerImage")
	}
	if !imageRE.MatchString(image) {
		return apis.ErrInvalidValue(fmt.Sprintf("%q is not a valid OCI reference: must be [registry/]repository[:tag][@sha256:digest] with a lower-case repository", image), "containerImage")
	}
	if _, pinned := ref.(name.Digest); pinned && digest != "" {
		err := apis.ErrMultipleOneOf("containerImage", "containerDigest")
		err.Details = "containerImage already carries a digest; set containerDigest or a digest in containerImage, not both"
		return err
	}
	return nil
}

func validateParameters(params map[string]string) *apis.FieldError {
	var errs *apis.FieldError
	if len(params) > maxParams {
		errs = errs.Also(apis.ErrInvalidValue(fmt.Sprintf("at most %d parameters are allowed, got %d", maxParams, len(params)), apis.CurrentField))
	}
	for k := range params {
		switch {
		case k == ReservedTargetParam:
			errs = errs.Also(apis.ErrGeneric(ReservedTargetParam+" is reserved and set by the controller", apis.CurrentField).ViaKey(k))
		case len(k) > maxParamNameLength || !paramNameRE.MatchString(k):
			errs = errs.Also(apis.ErrInvalidKeyName(k, apis.CurrentField,
				fmt.Sprintf("parameter names must match %s and be at most %d characters", paramNameRE, maxParamNameLength)))
		}
	}
	return errs
}

// Validate checks an ExecutionConfig.
func (c *ExecutionConfig) Validate(context.Context) *apis.FieldError {
	var errs *apis.FieldError
	if c.Timeout != nil && c.Timeout.Duration <= 0 {
		errs = errs.Also(apis.ErrInvalidValue(fmt.Sprintf("%s must be greater than zero", c.Timeout.Duration), "timeout"))
	}
	if c.ServiceAccountName != "" {
		if msgs := validation.IsDNS1123Subdomain(c.ServiceAccountName); len(msgs) > 0 {
			errs = errs.Also(apis.ErrInvalidValue(fmt.Sprintf("%q: %s", c.ServiceAccountName, strings.Join(msgs, "; ")), "serviceAccountName"))
		}
	}
	return errs
}
