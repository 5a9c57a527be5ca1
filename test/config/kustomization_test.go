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

package config

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// TestKustomizationsListEveryFile: each kustomization lists every manifest
// of its directory, so `kubectl apply -k DIR` installs what the directory
// holds. config/'s is named Kustomization: ko and `kubectl apply -f` read
// every *.yaml (and the rig every *.yml) of config/ as objects.
func TestKustomizationsListEveryFile(t *testing.T) {
	for _, tc := range []struct{ dir, file string }{
		{".", "Kustomization"},
		{"monitoring", "kustomization.yaml"},
		{"dashboard", "kustomization.yaml"},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			dir := filepath.Join(configDir(t), tc.dir)
			b, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			var k struct {
				APIVersion string `json:"apiVersion"`
				Kind       string
				Resources  []string
			}
			if err := yaml.UnmarshalStrict(b, &k); err != nil {
				t.Fatalf("%s: %v", tc.file, err)
			}
			if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
				t.Errorf("%s: apiVersion %s kind %s", tc.file, k.APIVersion, k.Kind)
			}
			files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, f := range files {
				if f := filepath.Base(f); f != "kustomization.yaml" {
					want = append(want, f)
				}
			}
			got := append([]string(nil), k.Resources...)
			sort.Strings(got)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%s/%s resources (-the directory's *.yaml +listed):\n%s", tc.dir, tc.file, d)
			}
			for _, alt := range []string{"kustomization.yml", "Kustomization", "kustomization.yaml"} {
				if _, err := os.Stat(filepath.Join(dir, alt)); err == nil && alt != tc.file {
					t.Errorf("%s has %s besides %s: kustomize refuses two", tc.dir, alt, tc.file)
				}
			}
		})
	}
}
