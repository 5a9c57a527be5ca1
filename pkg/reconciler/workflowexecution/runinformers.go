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
	"time"

	"github.com/tektoncd/pipeline/pkg/client/informers/externalversions"
	pipelineinformers "github.com/tektoncd/pipeline/pkg/client/informers/externalversions/pipeline/v1"
	pipelineclient "github.com/tektoncd/pipeline/pkg/client/injection/client"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	kubeclient "knative.dev/pkg/client/injection/kube/client"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	"knative.dev/pkg/system"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
)

// runInformers are the PipelineRun and TaskRun informers the controller
// reads its runs from.
type runInformers struct {
	pipelineRuns pipelineinformers.PipelineRunInformer
	taskRuns     pipelineinformers.TaskRunInformer
	// start starts the informers and returns once their caches synced
	// (or ctx ended).
	start func(ctx context.Context)
}

// runInformersFunc builds the run informers for the execution namespace.
type runInformersFunc func(ctx context.Context, namespace string) runInformers

// namespacedRunInformers lists and watches the runs in namespace only, and
// only those carrying resources.LabelSelector: the controller needs read
// rights on runs in the execution namespace only (config/200-role.yaml).
// Tekton's injected informers cannot do this: their namespace is the
// injection scope, which is cluster-wide for the executions' informer.
func namespacedRunInformers(ctx context.Context, namespace string) runInformers {
	factory := externalversions.NewSharedInformerFactoryWithOptions(
		pipelineclient.Get(ctx), controller.GetResyncPeriod(ctx),
		externalversions.WithNamespace(namespace),
		externalversions.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.LabelSelector = resources.LabelSelector
		}))
	informers := runInformers{
		pipelineRuns: factory.Tekton().V1().PipelineRuns(),
		taskRuns:     factory.Tekton().V1().TaskRuns(),
	}
	// Register both informers with the factory before it starts.
	informers.pipelineRuns.Informer()
	informers.taskRuns.Informer()
	informers.start = func(ctx context.Context) {
		logger := logging.FromContext(ctx)
		factory.Start(ctx.Done())
		logger.Infof("Waiting for the PipelineRun and TaskRun caches of namespace %s", namespace)
		for typ, synced := range factory.WaitForCacheSync(ctx.Done()) {
			if !synced && ctx.Err() == nil {
				logger.Fatalf("The %v cache of namespace %s did not sync", typ, namespace)
			}
		}
	}
	return informers
}

// executionNamespaceAtStart reads execution-namespace from
// config-workflowexecution through the API server: the run informers are
// built for it before the ConfigMap watcher starts. A missing ConfigMap or
// key, or a bad value, means the default, as in config.Store. Other errors
// are retried for a minute, then fatal.
func executionNamespaceAtStart(ctx context.Context) string {
	logger := logging.FromContext(ctx)
	var cm *corev1.ConfigMap
	err := wait.PollUntilContextTimeout(ctx, time.Second, time.Minute, true, func(ctx context.Context) (bool, error) {
		got, err := kubeclient.Get(ctx).CoreV1().ConfigMaps(system.Namespace()).Get(ctx, config.ConfigName, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			return true, nil
		case err != nil:
			logger.Warnw("Reading ConfigMap "+config.ConfigName+" for "+config.ExecutionNamespaceKey+"; retrying", "error", err)
			return false, nil
		}
		cm = got
		return true, nil
	})
	if err != nil {
		logger.Fatalw("Failed to read ConfigMap "+config.ConfigName+" for "+config.ExecutionNamespaceKey, "error", err)
	}
	// Only this key: the store reports the others' bad values.
	data := map[string]string{}
	if cm != nil {
		if v, ok := cm.Data[config.ExecutionNamespaceKey]; ok {
			data[config.ExecutionNamespaceKey] = v
		}
	}
	cfg, err := config.NewWorkflowExecutionFromMap(data)
	if err != nil {
		logger.Errorw("Rejected a value of ConfigMap "+config.ConfigName+", using the default", "error", err)
	}
	return cfg.ExecutionNamespace
}
