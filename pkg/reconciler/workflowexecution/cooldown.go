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

package workflowexecution

import "kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"

// workflowRan reports whether an ended execution's workflow ran, the only
// ones the cooldown counts (docs/design.md §4.2): Completed, or Failed
// with failureDetails.wasExecutionFailure. A failure before any step ran
// (ConfigurationError, a bundle that did not resolve, an image that did
// not pull, a quota) remediated nothing and blocks nobody.
func workflowRan(wfe *v1alpha1.WorkflowExecution) bool {
	switch st := &wfe.Status; st.Phase {
	case v1alpha1.PhaseCompleted:
		return st.StartTime != nil
	case v1alpha1.PhaseFailed:
		return st.StartTime != nil && st.FailureDetails != nil && st.FailureDetails.WasExecutionFailure
	}
	return false
}
