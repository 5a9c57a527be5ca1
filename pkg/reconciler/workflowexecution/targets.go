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

import (
	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/target"
)

// resolveTarget resolves the execution's target: a *target.Error when it
// cannot name an object here (ConfigurationError), another error when
// discovery did not answer (retried).
func (r *Reconciler) resolveTarget(wfe *v1alpha1.WorkflowExecution) (target.Ref, error) {
	return r.targets.Resolve(wfe.Spec.TargetResource)
}

// recordCanonicalTarget records the canonical target of a Running
// execution that does not record it (started by a previous release), so
// that the index finds it under its object. When the target does not
// resolve now, it stays under unresolvedTarget; so do ended ones, until
// their lock is released (at most cooldown-period): no status write for
// them.
func (r *Reconciler) recordCanonicalTarget(wfe *v1alpha1.WorkflowExecution) {
	if wfe.Status.CanonicalTarget != "" || wfe.Status.PipelineRunRef == nil || wfe.Status.IsDone() {
		return
	}
	if ref, err := r.resolveTarget(wfe); err == nil {
		wfe.Status.CanonicalTarget = ref.String()
	}
}

// admitTarget resolves the execution's target and applies the tenancy rule
// to the object it names. It returns the canonical target, or invalid (the
// execution fails ConfigurationError), or transient (retried: discovery
// did not answer).
func (r *Reconciler) admitTarget(wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution) (canonical string, invalid, transient error) {
	ref, err := r.resolveTarget(wfe)
	switch {
	case target.IsInvalid(err):
		return "", err, nil
	case err != nil:
		return "", nil, err
	}
	if err := checkTenancy(wfe, ref, cfg); err != nil {
		return "", err, nil
	}
	return ref.String(), nil, nil
}
