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
	"fmt"
	"strings"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/target"
)

// checkTenancy applies the tenancy rule (docs/design.md §9) to the object an
// execution's target resolved to: it may target only its own namespace,
// unless its namespace is one of the controller's trusted-namespaces;
// cluster-scoped kinds, however spelled, only from a trusted namespace. The
// ValidatingAdmissionPolicy in config/ applies what it can know without
// discovery at admission; this check is authoritative.
func checkTenancy(wfe *v1alpha1.WorkflowExecution, ref target.Ref, cfg *config.WorkflowExecution) error {
	if cfg.NamespaceTrusted(wfe.Namespace) {
		return nil
	}
	trusted := strings.Join(cfg.TrustedNamespaces, ", ")
	if trusted == "" {
		trusted = "none"
	}
	switch {
	case ref.Namespace == "":
		return fmt.Errorf("spec.targetResource: %q names kind %s, which is cluster-scoped; only executions in a namespace listed in the controller's %s (%s) may target cluster-scoped resources",
			wfe.Spec.TargetResource, ref.GroupKind(), config.TrustedNamespacesKey, trusted)
	case ref.Namespace != wfe.Namespace:
		return fmt.Errorf("spec.targetResource: %q is in namespace %q; an execution in namespace %q may target only its own namespace, unless %q is listed in the controller's %s (%s)",
			wfe.Spec.TargetResource, ref.Namespace, wfe.Namespace, wfe.Namespace, config.TrustedNamespacesKey, trusted)
	}
	return nil
}

// checkHoldTime applies untrusted-max-timeout: an execution of an untrusted
// namespace may not hold the runner and the lock longer.
func checkHoldTime(wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution) error {
	limit := cfg.MaxTimeoutFor(wfe.Namespace)
	if limit <= 0 {
		return nil
	}
	if ec := wfe.Spec.ExecutionConfig; ec != nil && ec.Timeout != nil && ec.Timeout.Duration > limit {
		return fmt.Errorf("spec.executionConfig.timeout: %s is more than the controller's %s (%s) for namespaces not listed in %s",
			ec.Timeout.Duration, config.UntrustedMaxTimeoutKey, limit, config.TrustedNamespacesKey)
	}
	return nil
}
