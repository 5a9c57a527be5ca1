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
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	"kubernaut.ai/workflowexecution/pkg/target"
)

// targetIndex indexes WorkflowExecutions of all namespaces by canonical
// target (status.canonicalTarget, docs/design.md §4, Targets are objects).
const targetIndex = "canonicalTarget"

// unresolvedTarget is the index key of executions that may hold a lock
// but whose status does not record a canonical target: started by a
// release that did not resolve targets. They are resolved when a lock is
// checked (onTarget), and record theirs on their next pass
// (recordCanonicalTarget). A Pending execution holds nothing: it is not
// indexed until it records its target.
const unresolvedTarget = "\x00unresolved"

func indexByTarget(obj any) ([]string, error) {
	wfe, ok := obj.(*v1alpha1.WorkflowExecution)
	if !ok {
		return nil, nil
	}
	st := &wfe.Status
	switch {
	case st.CanonicalTarget != "":
		return []string{st.CanonicalTarget}, nil
	case st.PipelineRunRef != nil && st.LockReleaseTime == nil:
		return []string{unresolvedTarget}, nil
	}
	return nil, nil
}

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

// unresolvedOn lists the executions of unresolvedTarget whose target
// resolves to target. One that does not resolve cannot be on target: the
// execution asking resolved its own target through the same discovery.
func (r *Reconciler) unresolvedOn(target string) []any {
	objs, err := r.wfeIndexer.ByIndex(targetIndex, unresolvedTarget)
	if err != nil {
		return nil
	}
	var out []any
	for _, o := range objs {
		if other, ok := o.(*v1alpha1.WorkflowExecution); ok {
			if ref, err := r.resolveTarget(other); err == nil && ref.String() == target {
				out = append(out, other)
			}
		}
	}
	return out
}

// runNameOf is the name of the execution's run, for one that may have
// created it without recording it (a crash between the create and the
// status write): "" when its target does not resolve.
func (r *Reconciler) runNameOf(wfe *v1alpha1.WorkflowExecution) string {
	if c := wfe.Status.CanonicalTarget; c != "" {
		return resources.PipelineRunName(c)
	}
	if ref, err := r.resolveTarget(wfe); err == nil {
		return resources.PipelineRunName(ref.String())
	}
	return ""
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
