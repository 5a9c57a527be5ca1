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
// Package resources builds the Tekton PipelineRun of a WorkflowExecution and
// answers questions about PipelineRuns the reconciler finds.
package resources

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

// LabelSelector selects the PipelineRuns (and, through Tekton's label
// propagation, the TaskRuns) this controller created. The informers cache
// nothing else.
const LabelSelector = workflowexecution.WorkflowExecutionLabelKey

// PipelineRunName is the deterministic name of the PipelineRun for a
// canonical target. The name is the lock: at most one PipelineRun of that
// name exists at a time.
func PipelineRunName(canonicalTarget string) string {
	sum := sha256.Sum256([]byte(canonicalTarget))
	return "wfe-" + hex.EncodeToString(sum[:])[:16]
}

// BundleReference is the bundle the PipelineRun resolves: the image, pinned
// as image@digest when the execution gives a digest.
func BundleReference(ref v1alpha1.WorkflowRef) string {
	if ref.ContainerDigest != "" {
		return ref.ContainerImage + "@" + ref.ContainerDigest
	}
	return ref.ContainerImage
}

// ServiceAccount is the ServiceAccount the pipeline runs as: the one the
// execution names, else the shared service-account for a trusted
// namespace, the namespace's own runner (wfe-runner-<namespace>) for
// another (docs/security.md).
func ServiceAccount(wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution) string {
	if ec := wfe.Spec.ExecutionConfig; ec != nil && ec.ServiceAccountName != "" {
		return ec.ServiceAccountName
	}
	return cfg.DefaultServiceAccountFor(wfe.Namespace)
}

// Timeout is the pipeline timeout: the execution's, else default-timeout,
// capped by untrusted-max-timeout for an untrusted namespace.
func Timeout(wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution) time.Duration {
	if ec := wfe.Spec.ExecutionConfig; ec != nil && ec.Timeout != nil {
		return ec.Timeout.Duration
	}
	if limit := cfg.MaxTimeoutFor(wfe.Namespace); limit > 0 && cfg.DefaultTimeout > limit {
		return limit
	}
	return cfg.DefaultTimeout
}

// MakePipelineRun builds the PipelineRun of an execution on its canonical
// target (status.canonicalTarget): the run's name, its target annotation
// and TARGET_RESOURCE are the canonical form, whatever the spelling.
func MakePipelineRun(wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution, canonicalTarget string) *pipelinev1.PipelineRun {
	labels := map[string]string{
		workflowexecution.WorkflowExecutionLabelKey: wfe.Name,
		workflowexecution.SourceNamespaceLabelKey:   wfe.Namespace,
	}
	if id := wfe.Spec.WorkflowRef.WorkflowID; len(validation.IsValidLabelValue(id)) == 0 {
		labels[workflowexecution.WorkflowIDLabelKey] = id
	}

	names := make([]string, 0, len(wfe.Spec.Parameters))
	for k := range wfe.Spec.Parameters {
		names = append(names, k)
	}
	sort.Strings(names)
	params := make(pipelinev1.Params, 0, len(names)+1)
	for _, k := range names {
		params = append(params, pipelinev1.Param{Name: k, Value: *pipelinev1.NewStructuredValues(wfe.Spec.Parameters[k])})
	}
	params = append(params, pipelinev1.Param{
		Name:  v1alpha1.ReservedTargetParam,
		Value: *pipelinev1.NewStructuredValues(canonicalTarget),
	})

	return &pipelinev1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{
			Name:      PipelineRunName(canonicalTarget),
			Namespace: cfg.ExecutionNamespace,
			Labels:    labels,
			Annotations: map[string]string{
				workflowexecution.WorkflowExecutionUIDAnnotationKey: string(wfe.UID),
				workflowexecution.WorkflowIDAnnotationKey:           wfe.Spec.WorkflowRef.WorkflowID,
				workflowexecution.TargetResourceAnnotationKey:       canonicalTarget,
			},
		},
		Spec: pipelinev1.PipelineRunSpec{
			PipelineRef: &pipelinev1.PipelineRef{
				ResolverRef: pipelinev1.ResolverRef{
					Resolver: "bundles",
					Params: pipelinev1.Params{
						{Name: "bundle", Value: *pipelinev1.NewStructuredValues(BundleReference(wfe.Spec.WorkflowRef))},
						{Name: "name", Value: *pipelinev1.NewStructuredValues(cfg.BundlePipelineName)},
						{Name: "kind", Value: *pipelinev1.NewStructuredValues("pipeline")},
					},
				},
			},
			Params: params,
			TaskRunTemplate: pipelinev1.PipelineTaskRunTemplate{
				ServiceAccountName: ServiceAccount(wfe, cfg),
			},
			Timeouts: &pipelinev1.TimeoutFields{
				Pipeline: &metav1.Duration{Duration: Timeout(wfe, cfg)},
			},
		},
	}
}

// Owner names the WorkflowExecution a PipelineRun belongs to.
type Owner struct {
	types.NamespacedName
	UID types.UID
}

// OwnerOf reads the owner of a PipelineRun from its labels and annotations.
func OwnerOf(pr *pipelinev1.PipelineRun) Owner {
	return Owner{
		NamespacedName: types.NamespacedName{
			Namespace: pr.Labels[workflowexecution.SourceNamespaceLabelKey],
			Name:      pr.Labels[workflowexecution.WorkflowExecutionLabelKey],
		},
		UID: types.UID(pr.Annotations[workflowexecution.WorkflowExecutionUIDAnnotationKey]),
	}
}

// IsOwnedBy reports whether the PipelineRun belongs to the execution: its
// labels name it and its annotation carries its UID.
func IsOwnedBy(pr *pipelinev1.PipelineRun, wfe *v1alpha1.WorkflowExecution) bool {
	o := OwnerOf(pr)
	return o.Namespace == wfe.Namespace && o.Name == wfe.Name && o.UID == wfe.UID
}

// StartTime is when the PipelineRun started, or was created.
func StartTime(pr *pipelinev1.PipelineRun) time.Time {
	if pr.Status.StartTime != nil {
		return pr.Status.StartTime.Time
	}
	return pr.CreationTimestamp.Time
}
