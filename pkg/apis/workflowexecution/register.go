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
// Package workflowexecution holds the API group name and the label and
// annotation keys shared by the API types and the reconciler.
package workflowexecution

const (
	// GroupName is the API group of WorkflowExecution.
	GroupName = "workflowexecution.kubernaut.ai"

	// WorkflowExecutionLabelKey labels a PipelineRun with the name of the
	// WorkflowExecution that created it.
	WorkflowExecutionLabelKey = "kubernaut.ai/workflow-execution"
	// SourceNamespaceLabelKey labels a PipelineRun with the namespace of the
	// WorkflowExecution that created it.
	SourceNamespaceLabelKey = "kubernaut.ai/source-namespace"
	// WorkflowIDLabelKey labels a PipelineRun with the workflow id, where the
	// id is a valid label value.
	WorkflowIDLabelKey = "kubernaut.ai/workflow-id"
	// CorrelationIDLabelKey, on a WorkflowExecution, names the correlation id
	// used by the audit trail.
	CorrelationIDLabelKey = "kubernaut.ai/correlation-id"

	// WorkflowExecutionUIDAnnotationKey carries the UID of the owning
	// WorkflowExecution on its PipelineRun.
	WorkflowExecutionUIDAnnotationKey = "kubernaut.ai/workflow-execution-uid"
	// WorkflowIDAnnotationKey carries the raw workflow id on a PipelineRun.
	WorkflowIDAnnotationKey = "kubernaut.ai/workflow-id"
	// TargetResourceAnnotationKey carries the raw target resource on a PipelineRun.
	TargetResourceAnnotationKey = "kubernaut.ai/target-resource"

	// FinalizerName is the controller's finalizer on a WorkflowExecution.
	// Domain-qualified with a path, as the API server asks (knative's
	// default, the bare group resource, draws a warning on every patch).
	FinalizerName = "workflowexecution.kubernaut.ai/finalizer"
)
