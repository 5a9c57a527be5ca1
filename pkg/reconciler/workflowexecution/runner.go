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
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilcache "k8s.io/apimachinery/pkg/util/cache"
	"k8s.io/utils/clock"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
)

// The tenant runners known to exist are per-namespace memory: one bounded
// cache with one clean-up rule. An entry expires runnerRecheck after the
// runner was last seen to exist (a runner deleted meanwhile is created
// again within that time); past runnerEntries the least recently used go
// first. Losing an entry early costs one create answered AlreadyExists.
const (
	runnerRecheck = 10 * time.Minute
	runnerEntries = 1 << 12
)

// runnerCache remembers the tenant runners known to exist, by
// namespace/name.
type runnerCache struct {
	clock clock.PassiveClock
	// known: key -> when it must be looked at again.
	known *utilcache.LRUExpireCache
}

func newRunnerCache(clk clock.PassiveClock) *runnerCache {
	return &runnerCache{clock: clk, known: utilcache.NewLRUExpireCacheWithClock(runnerEntries, clk)}
}

// exists reports whether the runner was seen to exist less than
// runnerRecheck ago.
func (c *runnerCache) exists(key string) bool {
	until, ok := c.known.Get(key)
	return ok && c.clock.Now().Before(until.(time.Time))
}

// seen records that the runner exists now.
func (c *runnerCache) seen(key string) {
	c.known.Add(key, c.clock.Now().Add(runnerRecheck), runnerRecheck)
}

// ensureRunner creates, in the execution namespace, the ServiceAccount an
// untrusted namespace's workflows run as (wfe-runner-<namespace>,
// docs/security.md) when it is missing. It has no rights until the
// namespace's owners grant it some, with a RoleBinding in their namespace.
// A ServiceAccount known to exist is not read again for runnerRecheck: one
// create (or one AlreadyExists) per namespace and period, not per run.
func (r *Reconciler) ensureRunner(ctx context.Context, wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution) error {
	sa := resources.ServiceAccount(wfe, cfg)
	if sa != config.TenantRunner(wfe.Namespace) {
		return nil
	}
	key := cfg.ExecutionNamespace + "/" + sa
	if r.runners.exists(key) {
		return nil
	}
	_, err := r.kubeClient.CoreV1().ServiceAccounts(cfg.ExecutionNamespace).Create(ctx, &corev1.ServiceAccount{
		ObjectMeta: metav1.ObjectMeta{
			Name:      sa,
			Namespace: cfg.ExecutionNamespace,
			Labels: map[string]string{
				"app.kubernetes.io/component":             "workflow-runner",
				"app.kubernetes.io/part-of":               "workflowexecution",
				workflowexecution.SourceNamespaceLabelKey: wfe.Namespace,
			},
		},
	}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating ServiceAccount %s/%s for the workflows of namespace %s: %w", cfg.ExecutionNamespace, sa, wfe.Namespace, err)
	}
	r.runners.seen(key)
	return nil
}
