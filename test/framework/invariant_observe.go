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
package framework

import (
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"k8s.io/apimachinery/pkg/types"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

// NewChecker returns a Checker that watches nothing: the caller feeds it
// every write with ObserveRun and ObserveWFE, e.g. from a gap-free history
// such as an etcd watch (test/reliability), where informers would miss
// objects created and deleted while their watch was down.
func NewChecker() *Checker {
	return &Checker{runs: map[types.UID]*runRecord{}, running: map[types.UID]*runningRecord{}, stop: func() {}}
}

// ObserveRun records one state of a PipelineRun; its ResourceVersion orders
// it. For a deletion pass the last state with deleted set and a
// ResourceVersion one below the deletion's revision.
func (c *Checker) ObserveRun(pr *pipelinev1.PipelineRun, deleted bool) { c.onRun(pr, deleted) }

// ObserveWFE records one state of a WorkflowExecution; its ResourceVersion
// orders it.
func (c *Checker) ObserveWFE(wfe *v1alpha1.WorkflowExecution) { c.onWFE(wfe) }
