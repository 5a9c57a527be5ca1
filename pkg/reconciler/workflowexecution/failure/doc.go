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

// Package failure explains a failed Tekton PipelineRun as the
// WorkflowExecution's status.failureDetails (docs/design.md §5).
//
// The analysis is pure: it reads a PipelineRun and its child TaskRuns as
// Tekton v1 reports them and classifies the failure from Tekton's structured
// reasons and the steps' container states first, and from message text only
// where Tekton offers nothing structured (RBAC and quota denials).
package failure
