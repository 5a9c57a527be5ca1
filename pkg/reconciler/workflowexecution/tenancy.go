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
)

// checkTenancy applies the tenancy rule (docs/design.md §9) to a valid execution: it
// may target only its own namespace, unless its namespace is one of the
// controller's trusted-namespaces; cluster-scoped targets only from a
// trusted namespace. The ValidatingAdmissionPolicy in config/ applies the
// same rule at admission; this is the check that holds when it is absent.
func checkTenancy(wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution) error {
	if cfg.NamespaceTrusted(wfe.Namespace) {
		return nil
	}
	t, err := v1alpha1.ParseTarget(wfe.Spec.TargetResource)
	if err != nil {
		return fmt.Errorf("spec.targetResource: %w", err)
	}
	trusted := strings.Join(cfg.TrustedNamespaces, ", ")
	if trusted == "" {
		trusted = "none"
	}
	switch {
	case t.Namespace == "":
		return fmt.Errorf("spec.targetResource: %q is cluster-scoped; only executions in a namespace listed in the controller's %s (%s) may target cluster-scoped resources",
			wfe.Spec.TargetResource, config.TrustedNamespacesKey, trusted)
	case t.Namespace != wfe.Namespace:
		return fmt.Errorf("spec.targetResource: %q is in namespace %q; an execution in namespace %q may target only its own namespace, unless %q is listed in the controller's %s (%s)",
			wfe.Spec.TargetResource, t.Namespace, wfe.Namespace, wfe.Namespace, config.TrustedNamespacesKey, trusted)
	}
	return nil
}
