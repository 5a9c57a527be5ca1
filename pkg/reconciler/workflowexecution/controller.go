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

	pipelineclient "github.com/tektoncd/pipeline/pkg/client/injection/client"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"
	kubeclient "knative.dev/pkg/client/injection/kube/client"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	o11yconfigmap "knative.dev/pkg/observability/configmap"
	"knative.dev/pkg/system"

	"kubernaut.ai/workflowexecution/pkg/apirecovery"
	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/audit"
	wfeclient "kubernaut.ai/workflowexecution/pkg/client/injection/client"
	wfeinformer "kubernaut.ai/workflowexecution/pkg/client/injection/informers/workflowexecution/v1alpha1/workflowexecution"
	wfereconciler "kubernaut.ai/workflowexecution/pkg/client/injection/reconciler/workflowexecution/v1alpha1/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/metrics"
	"kubernaut.ai/workflowexecution/pkg/probes"
	"kubernaut.ai/workflowexecution/pkg/shutdown"
	"kubernaut.ai/workflowexecution/pkg/target"
)

// ControllerName names the controller in logs, leader election and events.
const ControllerName = "workflowexecution-controller"

// Process is what the process shares with the controller; a nil field is
// ignored.
type Process struct {
	// Readiness turns ready once the informers synced.
	Readiness *probes.Readiness
	// Recovery tells when the API server answers again after an outage.
	Recovery *apirecovery.Detector
	// Shutdown runs the audit and tracing flushes before the process exits.
	Shutdown *shutdown.Hooks
}

// NewController returns the constructor of the controller, as Tekton's
// NewController(opts, clock) does. The PipelineRun and TaskRun informers
// cache only this controller's runs (resources.LabelSelector) in the
// execution namespace read at start (runinformers.go).
func NewController(p Process, clk clock.PassiveClock) func(context.Context, configmap.Watcher) *controller.Impl {
	return func(ctx context.Context, cmw configmap.Watcher) *controller.Impl {
		return newController(ctx, cmw, clk, p, namespacedRunInformers)
	}
}

func newController(ctx context.Context, cmw configmap.Watcher, clk clock.PassiveClock, p Process, newRunInformers runInformersFunc) *controller.Impl {
	logger := logging.FromContext(ctx)
	wfeInf := wfeinformer.Get(ctx)
	execNS := executionNamespaceAtStart(ctx)
	runs := newRunInformers(ctx, execNS)
	prInf, trInf := runs.pipelineRuns, runs.taskRuns

	if err := wfeInf.Informer().AddIndexers(cache.Indexers{targetIndex: indexByTarget}); err != nil {
		logger.Fatalw("Failed to add the target index", "error", err)
	}
	// managedFields are half of each cached object and never read: drop
	// them from the caches.
	for _, inf := range []cache.SharedIndexInformer{wfeInf.Informer(), prInf.Informer(), trInf.Informer()} {
		if err := inf.SetTransform(stripManagedFields); err != nil {
			logger.Debugw("Informer already started; keeping managedFields", "error", err)
		}
	}
	// Ours to start (not injection's): like injection's, synced before
	// the workers run; handlers added later see the cached runs as adds.
	runs.start(ctx)

	p.Readiness.WaitForSync(ctx,
		wfeInf.Informer().HasSynced, prInf.Informer().HasSynced, trInf.Informer().HasSynced)

	rec, err := metrics.NewRecorder(nil)
	if err != nil {
		logger.Fatalw("Failed to create metrics", "error", err)
	}

	r := &Reconciler{
		wfeClient:         wfeclient.Get(ctx),
		pipelineClient:    pipelineclient.Get(ctx),
		wfeLister:         wfeInf.Lister(),
		wfeIndexer:        wfeInf.Informer().GetIndexer(),
		pipelineRunLister: prInf.Lister(),
		taskRunLister:     trInf.Lister(),
		kubeClient:        kubeclient.Get(ctx),
		targets:           target.NewResolver(kubeclient.Get(ctx).Discovery(), clk),
		clock:             clk,
		metrics:           rec,
		stalls:            newStallWatch(clk, logger.Named("stall-watch")),
		observed:          &observations{clock: clk},
	}
	go r.stalls.run(ctx)

	// The audit sender follows config-workflowexecution through the
	// store's on-store hook; replacing it resyncs the executions, whose
	// events the old one held.
	var impl *controller.Impl
	auditSenders := audit.NewSwitch(ctx, logger.Named("audit"), rec, func() { impl.GlobalResync(wfeInf.Informer()) })
	configStore := config.NewStore(logger.Named("config-store"), auditSenders.OnStore)
	configStore.PinExecutionNamespace(execNS)
	r.tracing = &tracer{logger: logger.Named("tracing")}
	if iw, ok := cmw.(configmap.DefaultingWatcher); ok {
		// A missing config-workflowexecution means the defaults.
		iw.WatchWithDefault(corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
			Name: config.ConfigName, Namespace: system.Namespace(),
		}}, configStore.OnConfigChanged)
		// Tracing follows config-observability (off when it is missing).
		iw.WatchWithDefault(corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
			Name: o11yconfigmap.Name(), Namespace: system.Namespace(),
		}}, r.tracing.onConfig(ctx))
		p.Shutdown.Add(r.tracing.shutdown)
	} else {
		configStore.WatchConfigs(cmw)
	}

	impl = wfereconciler.NewImpl(withEventRecorder(ctx, ControllerName), r, func(*controller.Impl) controller.Options {
		return controller.Options{
			AgentName:     ControllerName,
			FinalizerName: workflowexecution.FinalizerName,
			ConfigStore:   configStore,
			// ReconcileKind writes the status itself (see writeStatus).
			SkipStatusUpdates: true,
		}
	})
	r.enqueueAfter = impl.EnqueueAfter
	r.enqueueKey = impl.EnqueueKey
	r.audit = &auditTrail{
		metrics:      rec,
		clock:        clk,
		senders:      auditSenders,
		enqueue:      impl.EnqueueKey,
		enqueueAfter: impl.EnqueueKeyAfter,
		traceParent:  r.tracing.traceParent,
	}
	auditSenders.StartWhenSynced(wfeInf.Informer().HasSynced)
	rec.SetAuditPending(auditSenders.Pending)
	p.Shutdown.Add(auditSenders.Shutdown)
	rec.SetLocksHeld(r.countLocksHeld)

	// After an API server outage, retry at once whatever has work left
	// rather than waiting out each key's exponential backoff.
	p.Recovery.OnRecovered(func() {
		logger.Info("The API server answers again: reconciling unfinished executions now")
		impl.FilteredGlobalResync(hasWorkLeft, wfeInf.Informer())
	})

	// The latency metrics' start points are stored before the enqueue (observe.go).
	for _, h := range []struct {
		informer cache.SharedIndexInformer
		handler  cache.ResourceEventHandler
	}{
		{wfeInf.Informer(), r.observed.executionHandler(impl.Enqueue)},
		{wfeInf.Informer(), cache.ResourceEventHandlerFuncs{DeleteFunc: r.forget}},
		{trInf.Informer(), taskRunHandler(impl.EnqueueKey)},
		{prInf.Informer(), r.observed.runHandler(impl.EnqueueLabelOfNamespaceScopedResource(
			workflowexecution.SourceNamespaceLabelKey, workflowexecution.WorkflowExecutionLabelKey))},
		{prInf.Informer(), cache.ResourceEventHandlerFuncs{DeleteFunc: r.wakeWaiters}},
	} {
		if _, err := h.informer.AddEventHandler(h.handler); err != nil {
			logger.Fatalw("Failed to add an informer event handler", "error", err)
		}
	}
	return impl
}

// hasWorkLeft reports whether an execution may still need a reconcile: it
// is not terminal, holds its lock, or is being deleted.
func hasWorkLeft(obj any) bool {
	wfe, ok := obj.(*v1alpha1.WorkflowExecution)
	return ok && (!wfe.Status.IsDone() || holdsLock(wfe) || wfe.DeletionTimestamp != nil)
}

// stripManagedFields is an informer transform that drops managedFields.
func stripManagedFields(obj any) (any, error) {
	if m, err := meta.Accessor(obj); err == nil {
		m.SetManagedFields(nil)
	}
	return obj, nil
}
