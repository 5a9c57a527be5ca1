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

package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	"kubernaut.ai/workflowexecution/pkg/target/targettest"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

// Namespaces of the scale populations.
const (
	finishedNamespace  = "bench-finished"
	unrelatedNamespace = "bench-unrelated"
)

// populateFinished creates n executions, each on its own target, in the
// state the controller leaves them in after a run: finalizer present,
// Completed, lock released, observedGeneration current. A controller
// starting on them has nothing to write.
func (b *bench) populateFinished(ctx context.Context, n int) error {
	if err := b.c.CreateNamespace(ctx, finishedNamespace); err != nil {
		return err
	}
	wfes := b.admin.wfe.WorkflowexecutionV1alpha1().WorkflowExecutions(finishedNamespace)
	ended := time.Now().Add(-time.Hour)
	return parallel(ctx, n, 16, func(i int) error {
		target := fmt.Sprintf("%s/Deployment/old-%05d", finishedNamespace, i)
		w := framework.NewWFE(finishedNamespace, fmt.Sprintf("done-%05d", i), target, workflowID, image,
			func(w *v1alpha1.WorkflowExecution) {
				w.Finalizers = []string{finalizerName}
				w.Spec.Parameters = map[string]string{"REPLICAS": "3", "REASON": "bench"}
			})
		created, err := wfes.Create(ctx, w, metav1.CreateOptions{})
		if err != nil {
			return err
		}
		canonical, err := targettest.Canonical(target)
		if err != nil {
			return err
		}
		st := &created.Status
		st.CanonicalTarget = canonical
		st.ObservedGeneration = created.Generation
		start := metav1.NewTime(ended.Add(-time.Minute))
		st.StartTime = &start
		st.PipelineRunRef = &v1alpha1.PipelineRunReference{Name: resources.PipelineRunName(canonical), Namespace: rig.ExecutionNamespace}
		st.PipelineRunStatus = &v1alpha1.PipelineRunStatusSummary{Status: "True", Reason: "Succeeded"}
		st.MarkRunning("PipelineRun %s/%s is running", st.PipelineRunRef.Namespace, st.PipelineRunRef.Name)
		st.MarkSucceeded(ended, "PipelineRun %s/%s succeeded", st.PipelineRunRef.Namespace, st.PipelineRunRef.Name)
		released := metav1.NewTime(ended)
		st.LockReleaseTime = &released
		_, err = wfes.UpdateStatus(ctx, created, metav1.UpdateOptions{})
		return err
	})
}

// unrelatedPadding makes each unrelated run about as large as a real
// PipelineRun with a status (a few KiB), so that caching them would show.
var unrelatedPadding = strings.Repeat("x", 3000)

// populateUnrelated creates n PipelineRuns that are not ours (no
// kubernaut.ai/workflow-execution label) in another namespace.
func (b *bench) populateUnrelated(ctx context.Context, n int) error {
	if err := b.c.CreateNamespace(ctx, unrelatedNamespace); err != nil {
		return err
	}
	prs := b.admin.tekton.TektonV1().PipelineRuns(unrelatedNamespace)
	return parallel(ctx, n, 16, func(i int) error {
		pr := &pipelinev1.PipelineRun{
			ObjectMeta: metav1.ObjectMeta{
				Name:        fmt.Sprintf("other-%05d", i),
				Namespace:   unrelatedNamespace,
				Labels:      map[string]string{"app.kubernetes.io/name": "someone-elses-ci"},
				Annotations: map[string]string{"bench.kubernaut.ai/padding": unrelatedPadding},
			},
			Spec: pipelinev1.PipelineRunSpec{
				PipelineRef: &pipelinev1.PipelineRef{ResolverRef: pipelinev1.ResolverRef{
					Resolver: "bundles",
					Params: pipelinev1.Params{
						{Name: "bundle", Value: *pipelinev1.NewStructuredValues("registry.example.com/ci/build:v1")},
						{Name: "name", Value: *pipelinev1.NewStructuredValues("build")},
						{Name: "kind", Value: *pipelinev1.NewStructuredValues("pipeline")},
					},
				}},
				Params: pipelinev1.Params{{Name: "REVISION", Value: *pipelinev1.NewStructuredValues(fmt.Sprintf("%040d", i))}},
			},
		}
		_, err := prs.Create(ctx, pr, metav1.CreateOptions{})
		return err
	})
}

// purgeUnrelated deletes the unrelated PipelineRuns.
func (b *bench) purgeUnrelated(ctx context.Context) error {
	return b.purge(ctx, unrelatedNamespace, unrelatedNamespace)
}
