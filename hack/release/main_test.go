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
	"bytes"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

const in = `apiVersion: v1
kind: ConfigMap
metadata:
  name: workflowexecution-info
  namespace: kubernaut-system
  labels:
    app.kubernetes.io/version: "devel"
data:
  version: "devel"
---
# a comment-only document is skipped
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: workflowexecution-controller
spec:
  template:
    metadata:
      labels:
        app.kubernetes.io/name: workflowexecution-controller
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: workflowexecution-controller
`

func TestStamp(t *testing.T) {
	var out bytes.Buffer
	if err := Stamp(strings.NewReader(in), &out, "v0.1.0-rc.1", true); err != nil {
		t.Fatalf("Stamp() = %v", err)
	}
	docs := strings.Split(strings.TrimPrefix(out.String(), "---\n"), "---\n")
	if len(docs) != 3 {
		t.Fatalf("%d documents, want 3:\n%s", len(docs), out.String())
	}
	for _, d := range docs {
		var o struct {
			Kind     string
			Metadata struct{ Labels map[string]string }
			Data     map[string]string
			Spec     struct {
				Template struct {
					Metadata struct{ Labels map[string]string }
				}
			}
		}
		if err := yaml.Unmarshal([]byte(d), &o); err != nil {
			t.Fatal(err)
		}
		if got := o.Metadata.Labels[VersionLabel]; got != "v0.1.0-rc.1" {
			t.Errorf("%s: label %s = %q, want v0.1.0-rc.1", o.Kind, VersionLabel, got)
		}
		switch o.Kind {
		case "ConfigMap":
			if o.Data["version"] != "v0.1.0-rc.1" {
				t.Errorf("workflowexecution-info data.version = %q", o.Data["version"])
			}
		case "Deployment":
			l := o.Spec.Template.Metadata.Labels
			if l[VersionLabel] != "v0.1.0-rc.1" || l["app.kubernetes.io/name"] != "workflowexecution-controller" {
				t.Errorf("pod template labels = %v, want the version added to the name", l)
			}
		}
	}
}

func TestStampRejects(t *testing.T) {
	for _, tc := range []struct{ name, in, version, want string }{
		{"no version", in, "", "-version"},
		{"not semver", in, "1.0", "-version"},
		{"build metadata", in, "v1.0.0+abc", "-version"},
		{"no info ConfigMap", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n", "v1.0.0", "workflowexecution-info"},
		{"not an object", "foo: bar\n", "v1.0.0", "document 1"},
		{"empty", "", "v1.0.0", "no objects"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Stamp(strings.NewReader(tc.in), &bytes.Buffer{}, tc.version, true)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Stamp() = %v, want an error naming %q", err, tc.want)
			}
		})
	}
}
