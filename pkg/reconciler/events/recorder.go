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

// Package events builds the controller's event recorder where the process
// is assembled (cmd/controller), as Tekton's pkg/reconciler/events does.
package events

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
	"knative.dev/pkg/logging"

	"kubernaut.ai/workflowexecution/pkg/safetext"
)

// finalizerUpdate is the event knative's generated reconciler records each
// time it adds or removes our finalizer. It is not a transition (docs/design.md §6)
// and costs the API server one write per execution: it is not recorded.
// Its failure counterpart, FinalizerUpdateFailed, is.
const finalizerUpdate = "FinalizerUpdate"

// NewRecorder returns a recorder that writes events to the API server like
// knative's default, but in protobuf (events are a core type: cheaper to
// encode here and to decode in the API server, whose CPU bounds
// throughput), logging them at debug level only (they are on the
// executions; logging each one costs CPU per execution). It stops when ctx
// ends.
func NewRecorder(ctx context.Context, cfg *rest.Config, agentName string) (record.EventRecorder, error) {
	logger := logging.FromContext(ctx).Named("event-broadcaster")
	cfg = rest.CopyConfig(cfg)
	cfg.ContentType = runtime.ContentTypeProtobuf
	cfg.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("creating the events client: %w", err)
	}
	b := record.NewBroadcaster()
	watches := []watch.Interface{
		b.StartLogging(logger.Debugf),
		b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: c.CoreV1().Events("")}),
	}
	context.AfterFunc(ctx, func() {
		for _, w := range watches {
			w.Stop()
		}
	})
	return b.NewRecorder(scheme.Scheme, corev1.EventSource{Component: agentName}), nil
}

// DropFinalizerUpdates returns rec without FinalizerUpdate events, its
// messages escaped (safetext).
func DropFinalizerUpdates(rec record.EventRecorder) record.EventRecorder {
	return &droppingRecorder{EventRecorder: rec}
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
