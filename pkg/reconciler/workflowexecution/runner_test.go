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
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/apimachinery/pkg/runtime"
	clientgotesting "k8s.io/client-go/testing"
	"knative.dev/pkg/apis"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/test/parse"
)

// reconcileCase is one reconcile of one execution.
type reconcileCase struct {
	name string
	// seed builds what exists before the reconcile.
	seed func(t *testing.T) seed
	// key to reconcile; selfKey when empty.
	key string
	// reactors are installed on the fixture's clients before the reconcile.
	reactors func(f *fixture)

	// wantResult is requeue(err): nil, requeue-now, requeue-after D, permanent, error.
	wantResult string
	// wantStatus is the status written (YAML); "" means no status write.
	wantStatus string
	// ignoreMessages ignores condition, skip and failure messages in the
	// status comparison (check them in check).
	ignoreMessages bool
	// statusOpts are extra options of the status comparison.
	statusOpts []cmp.Option
	// wantTekton are the Tekton clientset's actions (see tektonActions).
	wantTekton []string
	// wantEvents are the recorded events as "Type Reason".
	wantEvents []string
	// check runs extra checks on the execution read back from the API.
	check func(t *testing.T, f *fixture, got *v1alpha1.WorkflowExecution)
}

func runReconcileCases(t *testing.T, cases []reconcileCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.seed(t))
			if tc.reactors != nil {
				tc.reactors(f)
			}
			key := tc.key
			if key == "" {
				key = selfKey
			}
			err := f.reconcile(key)
			if got := requeue(err); got != tc.wantResult {
				t.Errorf("Reconcile() = %v (%s), want %s", err, got, tc.wantResult)
			}
			if diff := cmp.Diff(tc.wantTekton, f.tektonActions(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Tekton actions (-want, +got):\n%s", diff)
			}
			f.recorded = f.eventsFull()
			var events []string
			for _, e := range f.recorded {
				parts := strings.SplitN(e, " ", 3)
				events = append(events, strings.Join(parts[:2], " "))
			}
			if diff := cmp.Diff(tc.wantEvents, events, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("events (-want, +got):\n%s", diff)
			}
			statusWrites := 0
			for _, w := range f.writes() {
				if strings.HasPrefix(w, "update-status ") {
					statusWrites++
				}
			}
			got := f.get(key)
			if tc.wantStatus == "" {
				if statusWrites != 0 {
					t.Errorf("%d status writes, want none: %v", statusWrites, f.writes())
				}
			} else {
				if statusWrites != 1 {
					t.Errorf("%d status writes, want 1: %v", statusWrites, f.writes())
				}
				want := parse.MustParseWorkflowExecutionStatus(t, tc.wantStatus)
				opts := []cmp.Option{
					cmpopts.IgnoreFields(apis.Condition{}, "LastTransitionTime"),
					cmpopts.IgnoreFields(v1alpha1.FailureDetails{}, "NaturalLanguageSummary"),
					cmpopts.EquateEmpty(),
				}
				opts = append(opts, tc.statusOpts...)
				if tc.ignoreMessages {
					opts = append(opts,
						cmpopts.IgnoreFields(apis.Condition{}, "Message"),
						cmpopts.IgnoreFields(v1alpha1.SkipDetails{}, "Message"),
						cmpopts.IgnoreFields(v1alpha1.FailureDetails{}, "Message"))
				}
				if diff := cmp.Diff(want, got.Status, opts...); diff != "" {
					t.Errorf("status (-want, +got):\n%s", diff)
				}
			}
			checkConsistent(t, got)
			if tc.check != nil {
				tc.check(t, f, got)
			}
		})
	}
}

// checkConsistent checks that phase and the Succeeded condition agree (docs/design.md §2).
func checkConsistent(t *testing.T, w *v1alpha1.WorkflowExecution) {
	t.Helper()
	c := w.Status.GetSucceededCondition()
	if c == nil {
		if w.Status.Phase != "" {
			t.Errorf("phase %q without a Succeeded condition", w.Status.Phase)
		}
		return
	}
	want := map[v1alpha1.Phase]string{
		v1alpha1.PhasePending:   "Unknown",
		v1alpha1.PhaseRunning:   "Unknown",
		v1alpha1.PhaseCompleted: "True",
		v1alpha1.PhaseFailed:    "False",
		v1alpha1.PhaseSkipped:   "False",
	}[w.Status.Phase]
	if string(c.Status) != want {
		t.Errorf("phase %q with Succeeded=%s, want Succeeded=%s", w.Status.Phase, c.Status, want)
	}
	switch w.Status.Phase {
	case v1alpha1.PhaseFailed:
		if w.Status.FailureDetails == nil || string(w.Status.FailureDetails.Reason) != c.Reason {
			t.Errorf("Failed: condition reason %q, failureDetails %+v", c.Reason, w.Status.FailureDetails)
		}
	case v1alpha1.PhaseSkipped:
		if w.Status.SkipDetails == nil || string(w.Status.SkipDetails.Reason) != c.Reason {
			t.Errorf("Skipped: condition reason %q, skipDetails %+v", c.Reason, w.Status.SkipDetails)
		}
	}
}

// failOn makes the Tekton clientset answer verb on pipelineruns with err.
func failOn(verb string, err error) func(*fixture) {
	return func(f *fixture) {
		f.tekton.PrependReactor(verb, "pipelineruns", func(clientgotesting.Action) (bool, runtime.Object, error) {
			return true, nil, err
		})
	}
}

// list is a list of objects.
func list(objs ...runtime.Object) []runtime.Object { return objs }

// objects is a seed of cached objects.
func objects(objs ...runtime.Object) seed {
	return seed{cached: objs}
}
