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
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"
	kubeclient "knative.dev/pkg/client/injection/kube/client"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	"knative.dev/pkg/tracker"

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
	"kubernaut.ai/workflowexecution/pkg/reconciler/events"
	"kubernaut.ai/workflowexecution/pkg/shutdown"
	"kubernaut.ai/workflowexecution/pkg/target"
	"kubernaut.ai/workflowexecution/pkg/tracing"
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
	// Stalls tells whether the process was recently paused; the
	// controller runs it.
	Stalls *apirecovery.StallWatch
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

	rec, err := metrics.NewRecorder(nil, metrics.WithClock(clk))
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
		runners:           newRunnerCache(clk),
		clock:             clk,
		metrics:           rec,
		fresh:             newFreshness(clk, wfeclient.Get(ctx), p.Stalls),
	}
	go p.Stalls.Run(ctx)

	// One config store, one config path (Tekton's pipelinerun controller):
	// the audit sender follows config-workflowexecution and the tracer
	// provider config-observability through the store's on-store hooks.
	// Replacing the audit sender resyncs the executions, whose events the
	// old one held.
	var impl *controller.Impl
	auditSenders := audit.NewSwitch(ctx, logger.Named("audit"), rec, func() { impl.GlobalResync(wfeInf.Informer()) })
	r.tracing = tracing.New(ControllerName, logger.Named("tracing"))
	p.Shutdown.Add(r.tracing.Shutdown)
	configStore := config.NewStore(logger.Named("config-store"), auditSenders.OnStore, r.tracing.OnStore(ctx))
	configStore.PinExecutionNamespace(execNS)
	configStore.WatchConfigs(cmw)

	impl = wfereconciler.NewImpl(dropFinalizerUpdates(ctx), r, func(*controller.Impl) controller.Options {
		return controller.Options{
			AgentName:     ControllerName,
			FinalizerName: workflowexecution.FinalizerName,
			ConfigStore:   configStore,
			// ReconcileKind writes the status itself (see writeStatus).
			SkipStatusUpdates: true,
		}
	})
	// Executions waiting for another object (a terminating run) track it.
	impl.Tracker = tracker.New(impl.EnqueueKey, controller.GetTrackerLease(ctx))
	r.tracker = impl.Tracker
	r.audit = newAuditTrail(clk)
	r.audit.metrics, r.audit.senders = rec, auditSenders
	r.audit.enqueue, r.audit.traceParent = impl.EnqueueKey, r.tracing.TraceParent
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

	// A run, and its TaskRuns (Tekton copies the run's labels), wake the
	// execution their labels name. The latency metrics' start points are
	// stored before the enqueue (pkg/metrics).
	enqueueOwner := impl.EnqueueLabelOfNamespaceScopedResource(
		workflowexecution.SourceNamespaceLabelKey, workflowexecution.WorkflowExecutionLabelKey)
	for _, h := range []struct {
		informer cache.SharedIndexInformer
		handler  cache.ResourceEventHandler
	}{
		{wfeInf.Informer(), rec.ExecutionHandler(impl.Enqueue)},
		{wfeInf.Informer(), cache.ResourceEventHandlerFuncs{DeleteFunc: r.forget}},
		{wfeInf.Informer(), cache.ResourceEventHandlerFuncs{DeleteFunc: impl.Tracker.OnDeletedObserver}},
		{trInf.Informer(), taskRunHandler(enqueueOwner)},
		{prInf.Informer(), rec.RunHandler(enqueueOwner)},
		{prInf.Informer(), cache.ResourceEventHandlerFuncs{DeleteFunc: controller.EnsureTypeMeta(impl.Tracker.OnChanged, pipelineRunGVK)}},
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

// dropFinalizerUpdates wraps the recorder the process put in ctx
// (cmd/controller; the tests' fake) so that knative's FinalizerUpdate
// events are not recorded: they are not transitions (docs/design.md §6)
// and cost one API write per execution.
func dropFinalizerUpdates(ctx context.Context) context.Context {
	if rec := controller.GetEventRecorder(ctx); rec != nil {
		return controller.WithEventRecorder(ctx, events.DropFinalizerUpdates(rec))
	}
	return ctx
}

// stripManagedFields is an informer transform that drops managedFields.
func stripManagedFields(obj any) (any, error) {
	if m, err := meta.Accessor(obj); err == nil {
		m.SetManagedFields(nil)
	}
	return obj, nil
}
