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

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/audit"
)

// retentionCheckPeriod bounds how far ahead a terminal execution is
// requeued for its expiry. The work queue cannot cancel a delayed key: an
// execution deleted by someone else before it expired would keep its
// entry for the whole retention period (a week by default), so memory
// would grow with the deletion rate × retention-period. Capped, an entry
// outlives its execution by at most this long, and a kept execution costs
// one reconcile from the cache per period.
const retentionCheckPeriod = time.Hour

// expire deletes a terminal execution once retention-period has passed
// since its completion, its lock is released (or it never held one) and
// its audit events are recorded as delivered (docs/design.md §4.6). It decides from
// the status as read (committed): what this pass changes is written first,
// and the watch event of that write brings the execution back. Until then
// it only schedules the next look: no list scans.
func (r *Reconciler) expire(ctx context.Context, wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution, now time.Time) error {
	st := &wfe.Status
	if cfg.RetentionPeriod <= 0 || st.CompletionTime == nil || holdsLock(wfe) || wfe.DeletionTimestamp != nil {
		return nil
	}
	if r.audit.sender().Enabled() && len(audit.Undelivered(wfe)) > 0 {
		// audit.sync records the delivery in a status write, whose watch
		// event brings the execution back.
		return nil
	}
	if wait := st.CompletionTime.Add(cfg.RetentionPeriod).Sub(now); wait > 0 {
		return controller.NewRequeueAfter(min(wait, retentionCheckPeriod))
	}
	uid := wfe.UID
	err := r.wfeClient.WorkflowexecutionV1alpha1().WorkflowExecutions(wfe.Namespace).Delete(ctx, wfe.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &uid},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("deleting the expired execution %s/%s: %w", wfe.Namespace, wfe.Name, err)
	}
	logging.FromContext(ctx).Infof("Deleted the execution: it ended at %s, more than %s (%s) ago",
		st.CompletionTime.UTC().Format(time.RFC3339), config.RetentionPeriodKey, cfg.RetentionPeriod)
	return nil
}
