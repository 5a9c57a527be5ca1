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
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	tektonfake "github.com/tektoncd/pipeline/pkg/client/clientset/versioned/fake"
	faketektonclient "github.com/tektoncd/pipeline/pkg/client/injection/client/fake"
	filteredinformerfactory "github.com/tektoncd/pipeline/pkg/client/injection/informers/factory/filtered"
	fakepipelineruninformer "github.com/tektoncd/pipeline/pkg/client/injection/informers/pipeline/v1/pipelinerun/filtered/fake"
	faketaskruninformer "github.com/tektoncd/pipeline/pkg/client/injection/informers/pipeline/v1/taskrun/filtered/fake"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	fakediscovery "k8s.io/client-go/discovery/fake"
	clientgotesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
	fakekubeclient "knative.dev/pkg/client/injection/kube/client/fake"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	pkgreconciler "knative.dev/pkg/reconciler"
	rtesting "knative.dev/pkg/reconciler/testing"
	"knative.dev/pkg/system"

	"kubernaut.ai/workflowexecution/pkg/apirecovery"
	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	wfefake "kubernaut.ai/workflowexecution/pkg/client/clientset/versioned/fake"
	fakewfeclient "kubernaut.ai/workflowexecution/pkg/client/injection/client/fake"
	fakewfeinformer "kubernaut.ai/workflowexecution/pkg/client/injection/informers/workflowexecution/v1alpha1/workflowexecution/fake"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	"kubernaut.ai/workflowexecution/pkg/target/targettest"
	"kubernaut.ai/workflowexecution/test/parse"

	// Register Tekton's fake filtered informer factory.
	_ "github.com/tektoncd/pipeline/pkg/client/injection/informers/factory/filtered/fake"
	_ "knative.dev/pkg/system/testing"
)

// The scenario shared by the tests: execution payment/restart-api runs
// workflow restart-deployment on payment/Deployment/api. Its canonical
// target payment/deployment.apps/api (resolved through the fake discovery
// of pkg/target/targettest) names the PipelineRun (printf %s
// payment/deployment.apps/api | sha256sum | cut -c1-16).
const (
	selfName     = "restart-api"
	selfNS       = "payment"
	selfKey      = selfNS + "/" + selfName
	selfUID      = "5f0c1c2e-0000-4000-8000-000000000001"
	selfWorkflow = "restart-deployment"
	selfTarget   = "payment/Deployment/api"
	prName       = "wfe-f784cd1fcb7ca47c"
	execNS       = "kubernaut-workflows"
	prUID        = "7a000000-0000-4000-8000-0000000000a1"
	createdUID   = "c0000000-0000-4000-8000-0000000000c1"
	finalizer    = workflowexecution.FinalizerName
	configNS     = "kubernaut-system"
)

var now = time.Date(2026, 3, 14, 10, 5, 0, 0, time.UTC)

// ago is a timestamp d before now, as written in YAML.
func ago(d time.Duration) string {
	return now.Add(-d).Format(time.RFC3339)
}

// wfe builds an execution on the scenario's model; status is YAML (may be "").
func wfe(t *testing.T, ns, name, uid, workflowID, target, status string) *v1alpha1.WorkflowExecution {
	t.Helper()
	w := parse.MustParseWorkflowExecution(t, fmt.Sprintf(`
metadata:
  name: %s
  namespace: %s
  uid: %s
  generation: 1
  creationTimestamp: %q
  finalizers:
  - %s
spec:
  workflowRef:
    workflowId: %s
    version: v1.4.0
    containerImage: registry.example.com/remediations/restart-deployment:v1.4.0
  targetResource: %s
  parameters:
    ROLLOUT_MODE: surge-then-drain
`, name, ns, uid, ago(10*time.Minute), finalizer, workflowID, target))
	if status != "" {
		w.Status = parse.MustParseWorkflowExecutionStatus(t, status)
	}
	return w
}

// self is the execution under test.
func self(t *testing.T, status string) *v1alpha1.WorkflowExecution {
	t.Helper()
	return wfe(t, selfNS, selfName, selfUID, selfWorkflow, selfTarget, status)
}

// pipelineRun builds a PipelineRun of the target's name owned by the named
// execution; status is YAML (may be "").
func pipelineRun(t *testing.T, ownerNS, ownerName, ownerUID, uid, status string) *pipelinev1.PipelineRun {
	t.Helper()
	pr := parse.MustParseV1PipelineRun(t, fmt.Sprintf(`
metadata:
  name: %s
  namespace: %s
  uid: %s
  creationTimestamp: %q
  labels:
    kubernaut.ai/workflow-execution: %s
    kubernaut.ai/source-namespace: %s
    kubernaut.ai/workflow-id: restart-deployment
  annotations:
    kubernaut.ai/workflow-execution-uid: %s
    kubernaut.ai/workflow-id: restart-deployment
    kubernaut.ai/target-resource: payment/deployment.apps/api
spec:
  pipelineRef:
    resolver: bundles
    params:
    - name: bundle
      value: registry.example.com/remediations/restart-deployment:v1.4.0
    - name: name
      value: workflow
    - name: kind
      value: pipeline
  params:
  - name: ROLLOUT_MODE
    value: surge-then-drain
  - name: TARGET_RESOURCE
    value: payment/deployment.apps/api
  taskRunTemplate:
    serviceAccountName: wfe-runner-payment
  timeouts:
    pipeline: 30m
`, prName, execNS, uid, ago(5*time.Minute), ownerName, ownerNS, ownerUID))
	if status != "" {
		pr.Status = parse.MustParseV1PipelineRunStatus(t, status)
	}
	return pr
}

// recordedFailure seeds the execution under test Running with the failed
// run recorded from real Tekton in testdata/task-failed.yaml (its
// PipelineRun and TaskRuns).
func recordedFailure(t *testing.T) seed {
	t.Helper()
	return objects(append([]runtime.Object{self(t, statusRunning)}, parse.MustReadObjects(t, "testdata/task-failed.yaml")...)...)
}

// transition is a world in which one reconcile makes one transition.
type transition struct {
	name string
	seed func(t *testing.T) seed
}

// transitions are the main transitions of the lifecycle, for the tests that
// check a property of every one of them.
func transitions() []transition {
	return []transition{{
		name: "Pending → Running",
		seed: func(t *testing.T) seed { return objects(self(t, "")) },
	}, {
		name: "Running → Completed",
		seed: func(t *testing.T) seed { return objects(self(t, statusRunning), ownPipelineRun(t, prSucceeded)) },
	}, {
		name: "Running → Failed",
		seed: recordedFailure,
	}, {
		name: "Pending → Skipped",
		seed: func(t *testing.T) seed { return objects(self(t, ""), other(t, otherRunning)) },
	}}
}

// ownPipelineRun is the execution under test's PipelineRun.
func ownPipelineRun(t *testing.T, status string) *pipelinev1.PipelineRun {
	t.Helper()
	return pipelineRun(t, selfNS, selfName, selfUID, prUID, status)
}

const (
	prRunning = `
startTime: "2026-03-14T10:00:00Z"
conditions:
- type: Succeeded
  status: Unknown
  reason: Running
  message: "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0"
`
	prSucceeded = `
startTime: "2026-03-14T10:00:00Z"
completionTime: "2026-03-14T10:02:30Z"
conditions:
- type: Succeeded
  status: "True"
  reason: Succeeded
  message: "Tasks Completed: 3 (Failed: 0, Cancelled 0), Skipped: 0"
`
	prFailed = `
startTime: "2026-03-14T10:00:00Z"
completionTime: "2026-03-14T10:01:23Z"
conditions:
- type: Succeeded
  status: "False"
  reason: Failed
  message: "Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1"
`
	// statusRunning is a Running execution that owns the PipelineRun.
	statusRunning = `
observedGeneration: 1
phase: Running
startTime: "2026-03-14T10:00:00Z"
canonicalTarget: payment/deployment.apps/api
pipelineRunRef:
  name: wfe-f784cd1fcb7ca47c
  namespace: kubernaut-workflows
conditions:
- type: Succeeded
  status: Unknown
  reason: Running
  message: PipelineRun kubernaut-workflows/wfe-f784cd1fcb7ca47c is running
`
	// statusRunningMirrored is statusRunning once prRunning is mirrored.
	statusRunningMirrored = `
observedGeneration: 1
phase: Running
startTime: "2026-03-14T10:00:00Z"
canonicalTarget: payment/deployment.apps/api
pipelineRunRef:
  name: wfe-f784cd1fcb7ca47c
  namespace: kubernaut-workflows
pipelineRunStatus:
  status: Unknown
  reason: Running
  message: "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0"
conditions:
- type: Succeeded
  status: Unknown
  reason: Running
  message: "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0"
`
	// statusCompleted is statusRunning once prSucceeded is mirrored.
	statusCompleted = `
observedGeneration: 1
phase: Completed
startTime: "2026-03-14T10:00:00Z"
completionTime: "2026-03-14T10:02:30Z"
duration: 2m30s
canonicalTarget: payment/deployment.apps/api
pipelineRunRef:
  name: wfe-f784cd1fcb7ca47c
  namespace: kubernaut-workflows
pipelineRunStatus:
  status: "True"
  reason: Succeeded
  message: "Tasks Completed: 3 (Failed: 0, Cancelled 0), Skipped: 0"
conditions:
- type: Succeeded
  status: "True"
  reason: Succeeded
  message: PipelineRun kubernaut-workflows/wfe-f784cd1fcb7ca47c succeeded
`
	statusPending = `
observedGeneration: 1
phase: Pending
conditions:
- type: Succeeded
  status: Unknown
  reason: Pending
  message: Waiting for the PipelineRun to be created
`
)

// --- the fixture -------------------------------------------------------------

type fixture struct {
	t        *testing.T
	ctx      context.Context
	impl     *controller.Impl
	wfes     *wfefake.Clientset
	tekton   *tektonfake.Clientset
	recorder *record.FakeRecorder
	wfeIndex cache.Indexer
	prIndex  cache.Indexer
	trIndex  cache.Indexer
	// recorded are the events the runner drained, as "Type Reason Message".
	recorded []string
	watcher  *cmWatcher
	clock    *clocktesting.FakePassiveClock
}

// cmWatcher is knative's ManualWatcher that also hands each new observer
// the current config-workflowexecution, as the informed watcher does once
// started: NewController then builds on the test's configuration (the audit
// trail starts from it, with no informer sync to wait for).
type cmWatcher struct {
	configmap.ManualWatcher
	cm *corev1.ConfigMap
}

// WatchWithDefault makes the fixture's watcher a
// configmap.DefaultingWatcher, as sharedmain's informed watcher is, so that
// the config store takes the production path: a ConfigMap the test did not
// set means its defaults.
func (w *cmWatcher) WatchWithDefault(cm corev1.ConfigMap, o ...configmap.Observer) {
	w.ManualWatcher.Watch(cm.Name, o...)
	cur := &cm
	if cm.Name == w.cm.Name {
		cur = w.cm
	}
	for _, f := range o {
		f(cur)
	}
}

// setConfig replaces the data of config-workflowexecution, as a live edit.
func (f *fixture) setConfig(data map[string]string) {
	f.watcher.cm = configMap(data)
	f.watcher.OnChange(f.watcher.cm)
}

// configMap is config-workflowexecution with data.
func configMap(data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: config.ConfigName, Namespace: configNS},
		Data:       data,
	}
}

// testLogWriter logs to the test until it ends: background goroutines (the
// audit sender) may log after the test.
type testLogWriter struct {
	t       *testing.T
	mu      sync.Mutex
	stopped bool
}

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testLogWriter) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
}

// seed is what exists when the reconcile starts.
type seed struct {
	// cached objects are in the API server and in the informers' caches.
	cached []runtime.Object
	// uncached objects are in the API server only: the cache lags.
	uncached []runtime.Object
	// cacheOnly objects are in the caches only: they were deleted and the
	// cache has not seen it yet.
	cacheOnly []runtime.Object
	// config is the data of config-workflowexecution.
	config map[string]string
}

// injectedRunInformers are Tekton's fake injected informers, whose indexers
// the tests fill directly (never started: the cache lags as each test says).
// namespacedRunInformers, which the controller runs with, is tested in
// runinformers_test.go.
func injectedRunInformers(ctx context.Context, _ string) runInformers {
	return runInformers{
		pipelineRuns: fakepipelineruninformer.Get(ctx, resources.LabelSelector),
		taskRuns:     faketaskruninformer.Get(ctx, resources.LabelSelector),
		start:        func(context.Context) {},
	}
}

func newFixture(t *testing.T, s seed) *fixture {
	t.Helper()
	recorder := record.NewFakeRecorder(100)
	logs := &testLogWriter{t: t}
	ctx, cancel, _ := rtesting.SetupFakeContextWithCancel(t, func(ctx context.Context) context.Context {
		ctx = filteredinformerfactory.WithSelectors(ctx, resources.LabelSelector)
		ctx = logging.WithLogger(ctx, zap.New(zapcore.NewCore(
			zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.AddSync(logs), zap.DebugLevel)).Sugar())
		return controller.WithEventRecorder(ctx, recorder)
	})
	t.Cleanup(func() {
		cancel()
		logs.stop()
	})
	cm := configMap(s.config)
	watcher := &cmWatcher{ManualWatcher: configmap.ManualWatcher{Namespace: configNS}, cm: cm}
	// The execution namespace is read from the API server at start.
	inSystem := cm.DeepCopy()
	inSystem.Namespace = system.Namespace()
	if _, err := fakekubeclient.Get(ctx).CoreV1().ConfigMaps(inSystem.Namespace).Create(ctx, inSystem, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating ConfigMap %s: %v", config.ConfigName, err)
	}
	targettest.Install(fakekubeclient.Get(ctx).Discovery().(*fakediscovery.FakeDiscovery))
	clk := clocktesting.NewFakePassiveClock(now)
	impl := newController(ctx, watcher, clk, Process{Stalls: apirecovery.NewStallWatch(clk)}, injectedRunInformers)
	t.Cleanup(impl.WorkQueue().ShutDown)
	if la, ok := impl.Reconciler.(pkgreconciler.LeaderAware); ok {
		if err := la.Promote(pkgreconciler.UniversalBucket(), func(pkgreconciler.Bucket, types.NamespacedName) {}); err != nil {
			t.Fatalf("Promote() = %v", err)
		}
	}

	f := &fixture{
		t:        t,
		ctx:      ctx,
		impl:     impl,
		clock:    clk,
		wfes:     fakewfeclient.Get(ctx),
		tekton:   faketektonclient.Get(ctx),
		recorder: recorder,
		wfeIndex: fakewfeinformer.Get(ctx).Informer().GetIndexer(),
		prIndex:  fakepipelineruninformer.Get(ctx, resources.LabelSelector).Informer().GetIndexer(),
		trIndex:  faketaskruninformer.Get(ctx, resources.LabelSelector).Informer().GetIndexer(),
		watcher:  watcher,
	}
	for _, o := range s.cached {
		f.toAPI(o)
		f.toCache(o)
	}
	for _, o := range s.uncached {
		f.toAPI(o)
	}
	for _, o := range s.cacheOnly {
		f.toCache(o)
	}

	// The API server stamps what it creates.
	f.tekton.PrependReactor("create", "pipelineruns", func(action clientgotesting.Action) (bool, runtime.Object, error) {
		pr := action.(clientgotesting.CreateAction).GetObject().(*pipelinev1.PipelineRun)
		pr.CreationTimestamp = metav1.NewTime(now)
		if pr.UID == "" {
			pr.UID = createdUID
		}
		return false, nil, nil
	})
	// The API server enforces a delete's UID precondition.
	f.tekton.PrependReactor("delete", "pipelineruns", func(action clientgotesting.Action) (bool, runtime.Object, error) {
		a := action.(clientgotesting.DeleteAction)
		p := a.GetDeleteOptions().Preconditions
		if p == nil || p.UID == nil {
			return false, nil, nil
		}
		existing, err := f.tekton.Tracker().Get(action.GetResource(), a.GetNamespace(), a.GetName())
		if err != nil {
			return false, nil, nil // NotFound from the tracker
		}
		if uid := existing.(metav1.Object).GetUID(); uid != *p.UID {
			return true, nil, apierrors.NewConflict(action.GetResource().GroupResource(), a.GetName(),
				fmt.Errorf("precondition failed: UID in precondition: %s, UID in object meta: %s", *p.UID, uid))
		}
		return false, nil, nil
	})
	// The API server refuses a JSON patch whose test fails with a bare
	// 422, as k8s.io/apiserver's patch handler does (the cause is dropped).
	f.tekton.PrependReactor("patch", "pipelineruns", func(action clientgotesting.Action) (bool, runtime.Object, error) {
		a := action.(clientgotesting.PatchAction)
		if a.GetPatchType() != types.JSONPatchType {
			return false, nil, nil
		}
		handled, obj, err := clientgotesting.ObjectReaction(f.tekton.Tracker())(action)
		if _, isStatus := err.(apierrors.APIStatus); err != nil && !isStatus {
			err = apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "", schema.GroupResource{}, "", err.Error(), 0, false)
		}
		return handled, obj, err
	})
	f.tekton.ClearActions()
	f.wfes.ClearActions()
	return f
}

func (f *fixture) toAPI(o runtime.Object) {
	f.t.Helper()
	var err error
	switch o.(type) {
	case *v1alpha1.WorkflowExecution:
		err = f.wfes.Tracker().Add(o)
	default:
		err = f.tekton.Tracker().Add(o)
	}
	if err != nil {
		f.t.Fatalf("seeding the API: %v", err)
	}
}

func (f *fixture) toCache(o runtime.Object) {
	f.t.Helper()
	var err error
	switch o.(type) {
	case *v1alpha1.WorkflowExecution:
		err = f.wfeIndex.Add(o)
	case *pipelinev1.PipelineRun:
		err = f.prIndex.Add(o)
	case *pipelinev1.TaskRun:
		err = f.trIndex.Add(o)
	default:
		f.t.Fatalf("cannot cache %T", o)
	}
	if err != nil {
		f.t.Fatalf("seeding the cache: %v", err)
	}
}

// reconcile runs one reconcile of key and returns its error.
func (f *fixture) reconcile(key string) error {
	return f.impl.Reconciler.Reconcile(f.ctx, key)
}

// sync copies the API server's state of the execution and of the
// PipelineRuns into the caches, as the informers would.
func (f *fixture) sync() {
	f.t.Helper()
	wfes, err := f.wfes.WorkflowexecutionV1alpha1().WorkflowExecutions("").List(f.ctx, metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, o := range f.wfeIndex.List() {
		_ = f.wfeIndex.Delete(o)
	}
	for i := range wfes.Items {
		_ = f.wfeIndex.Add(&wfes.Items[i])
	}
	prs, err := f.tekton.TektonV1().PipelineRuns("").List(f.ctx, metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, o := range f.prIndex.List() {
		_ = f.prIndex.Delete(o)
	}
	for i := range prs.Items {
		_ = f.prIndex.Add(&prs.Items[i])
	}
	f.tekton.ClearActions()
	f.wfes.ClearActions()
}

// get reads an execution back from the API server.
func (f *fixture) get(key string) *v1alpha1.WorkflowExecution {
	f.t.Helper()
	ns, name, _ := strings.Cut(key, "/")
	w, err := f.wfes.WorkflowexecutionV1alpha1().WorkflowExecutions(ns).Get(f.ctx, name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatalf("getting %s: %v", key, err)
	}
	return w
}

// pipelineRuns lists the PipelineRuns in the API server.
func (f *fixture) pipelineRuns() []pipelinev1.PipelineRun {
	f.t.Helper()
	prs, err := f.tekton.TektonV1().PipelineRuns("").List(f.ctx, metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return prs.Items
}

// tektonActions renders the Tekton clientset's actions, reads included:
// "create ns/name", "get ns/name", "delete ns/name uid=UID",
// "patch ns/name PATCH".
func (f *fixture) tektonActions() []string {
	var out []string
	for _, a := range f.tekton.Actions() {
		switch a := a.(type) {
		case clientgotesting.CreateActionImpl:
			obj := a.GetObject().(metav1.Object)
			out = append(out, fmt.Sprintf("create %s/%s", a.GetNamespace(), obj.GetName()))
		case clientgotesting.GetActionImpl:
			out = append(out, fmt.Sprintf("get %s/%s", a.GetNamespace(), a.GetName()))
		case clientgotesting.DeleteActionImpl:
			uid := "<none>"
			if p := a.GetDeleteOptions().Preconditions; p != nil && p.UID != nil {
				uid = string(*p.UID)
			}
			out = append(out, fmt.Sprintf("delete %s/%s uid=%s", a.GetNamespace(), a.GetName(), uid))
		case clientgotesting.PatchActionImpl:
			out = append(out, fmt.Sprintf("patch %s/%s %s", a.GetNamespace(), a.GetName(), a.GetPatch()))
		default:
			out = append(out, fmt.Sprintf("%s %s", a.GetVerb(), a.GetResource().Resource))
		}
	}
	return out
}

// writes renders the WorkflowExecution clientset's writes:
// "update-status ns/name", "patch ns/name PATCH".
func (f *fixture) writes() []string {
	var out []string
	for _, a := range f.wfes.Actions() {
		switch a := a.(type) {
		case clientgotesting.UpdateActionImpl:
			obj := a.GetObject().(metav1.Object)
			verb := "update"
			if a.GetSubresource() == "status" {
				verb = "update-status"
			}
			out = append(out, fmt.Sprintf("%s %s/%s", verb, a.GetNamespace(), obj.GetName()))
		case clientgotesting.PatchActionImpl:
			out = append(out, fmt.Sprintf("patch %s/%s %s", a.GetNamespace(), a.GetName(), a.GetPatch()))
		case clientgotesting.GetActionImpl:
			// reads are not writes
		default:
			out = append(out, fmt.Sprintf("%s %s", a.GetVerb(), a.GetResource().Resource))
		}
	}
	return out
}

// events drains the recorded events as "Type Reason".
func (f *fixture) events() []string {
	var out []string
	for _, e := range f.eventsFull() {
		parts := strings.SplitN(e, " ", 3)
		out = append(out, strings.Join(parts[:2], " "))
	}
	return out
}

// eventsFull drains the recorded events as "Type Reason Message".
func (f *fixture) eventsFull() []string {
	var out []string
	for {
		select {
		case e := <-f.recorder.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

// enqueued reports whether the execution's key reaches the work queue
// within d (a delayed requeue).
func (f *fixture) enqueued(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if f.impl.WorkQueue().Len() > 0 {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return f.impl.WorkQueue().Len() > 0
}

// checkSummary checks the natural-language summary of a failure.
func checkSummary(t *testing.T, d *v1alpha1.FailureDetails, mustContain ...string) {
	t.Helper()
	if d == nil {
		t.Fatal("failureDetails is nil")
	}
	s := d.NaturalLanguageSummary
	if s == "" {
		t.Fatal("naturalLanguageSummary is empty")
	}
	if len(s) > 1000 {
		t.Errorf("naturalLanguageSummary is %d characters, want ≤ 1000", len(s))
	}
	if strings.Contains(s, "surge-then-drain") {
		t.Errorf("naturalLanguageSummary echoes a parameter value: %q", s)
	}
	for _, want := range mustContain {
		if !strings.Contains(s, want) {
			t.Errorf("naturalLanguageSummary %q does not contain %q", s, want)
		}
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// requeue describes the error a reconcile returned.
func requeue(err error) string {
	if err == nil {
		return "nil"
	}
	if ok, d := controller.IsRequeueKey(err); ok {
		if d == 0 {
			return "requeue-now"
		}
		return "requeue-after " + d.String()
	}
	if controller.IsPermanentError(err) {
		return "permanent"
	}
	return "error"
}

// reconcileFailed reports whether a reconcile failed: an error that is not a
// requeue (a pass returns its requeues, docs/design.md §4).
func reconcileFailed(err error) bool {
	ok, _ := controller.IsRequeueKey(err)
	return err != nil && !ok
}

// awaitKey returns the next key of the work queue, waiting for it with a
// deadline: knative's two-lane queue hands keys to its consumer
// asynchronously, so a key just added may not be counted yet.
func (f *fixture) awaitKey(t *testing.T) any {
	t.Helper()
	if err := wait.PollUntilContextTimeout(f.ctx, time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		return f.impl.WorkQueue().Len() > 0, nil
	}); err != nil {
		t.Fatalf("no key enqueued: %v", err)
	}
	key, _ := f.impl.WorkQueue().Get()
	f.impl.WorkQueue().Done(key)
	return key
}
