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

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"
	kubeclient "knative.dev/pkg/client/injection/kube/client"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/injection"
	"knative.dev/pkg/logging"

	"kubernaut.ai/workflowexecution/pkg/safetext"
)

// finalizerUpdate is the event knative's generated reconciler records each
// time it adds or removes our finalizer. It is not a transition (docs/design.md §6)
// and costs the API server one write per execution: it is not recorded.
// Its failure counterpart, FinalizerUpdateFailed, is.
const finalizerUpdate = "FinalizerUpdate"

// withEventRecorder puts in ctx the recorder the generated reconciler
// uses: the one already there (tests), else one that writes to the API
// server like knative's default, but in protobuf (events are a core type:
// cheaper to encode here and to decode in the API server, whose CPU bounds
// throughput) and logging events at debug level only (they are on the
// executions; logging each one costs CPU per execution). Either way,
// FinalizerUpdate events are dropped.
func withEventRecorder(ctx context.Context, agentName string) context.Context {
	rec := controller.GetEventRecorder(ctx)
	if rec == nil {
		logger := logging.FromContext(ctx).Named("event-broadcaster")
		events := kubeclient.Get(ctx).CoreV1()
		if cfg := injection.GetConfig(ctx); cfg != nil {
			cfg = rest.CopyConfig(cfg)
			cfg.ContentType = runtime.ContentTypeProtobuf
			cfg.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
			if c, err := kubernetes.NewForConfig(cfg); err == nil {
				events = c.CoreV1()
			} else {
				logger.Warnw("Recording events in JSON", "error", err)
			}
		}
		b := record.NewBroadcaster()
		watches := []watch.Interface{
			b.StartLogging(logger.Debugf),
			b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: events.Events("")}),
		}
		rec = b.NewRecorder(scheme.Scheme, corev1.EventSource{Component: agentName})
		go func() {
			<-ctx.Done()
			for _, w := range watches {
				w.Stop()
			}
		}()
	}
	return controller.WithEventRecorder(ctx, &droppingRecorder{EventRecorder: rec})
}

// droppingRecorder drops FinalizerUpdate events, and escapes control
// characters in every message (safetext): messages quote what tenants
// wrote and what their workflows printed, and operators read them in a
// terminal.
type droppingRecorder struct {
	record.EventRecorder
}

func (d *droppingRecorder) Event(obj runtime.Object, eventType, reason, message string) {
	if reason != finalizerUpdate {
		d.EventRecorder.Event(obj, eventType, reason, safetext.Escape(message))
	}
}

func (d *droppingRecorder) Eventf(obj runtime.Object, eventType, reason, messageFmt string, args ...any) {
	if reason != finalizerUpdate {
		d.EventRecorder.Event(obj, eventType, reason, safetext.Escape(fmt.Sprintf(messageFmt, args...)))
	}
}

func (d *droppingRecorder) AnnotatedEventf(obj runtime.Object, annotations map[string]string, eventType, reason, messageFmt string, args ...any) {
	if reason != finalizerUpdate {
		d.EventRecorder.AnnotatedEventf(obj, annotations, eventType, reason, "%s", safetext.Escape(fmt.Sprintf(messageFmt, args...)))
	}
}
