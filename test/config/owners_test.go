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
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestOwnersAliasesAreDefined checks that every name an OWNERS file lists
// that looks like an alias (it has a hyphenated "-maintainers", "-reviewers"
// or "-approvers" suffix) is defined in OWNERS_ALIASES, so that no OWNERS
// entry dangles.
func TestOwnersAliasesAreDefined(t *testing.T) {
	root := filepath.Dir(configDir(t))
	var aliases struct {
		Aliases map[string][]string `json:"aliases"`
	}
	data, err := os.ReadFile(filepath.Join(root, "OWNERS_ALIASES"))
	if err != nil {
		t.Fatalf("reading OWNERS_ALIASES: %v", err)
	}
	if err := yaml.UnmarshalStrict(data, &aliases); err != nil {
		t.Fatalf("parsing OWNERS_ALIASES: %v", err)
	}
	var owners struct {
		Approvers []string `json:"approvers"`
		Reviewers []string `json:"reviewers"`
	}
	data, err = os.ReadFile(filepath.Join(root, "OWNERS"))
	if err != nil {
		t.Fatalf("reading OWNERS: %v", err)
	}
	if err := yaml.UnmarshalStrict(data, &owners); err != nil {
		t.Fatalf("parsing OWNERS: %v", err)
	}
	if len(owners.Approvers) == 0 {
		t.Error("OWNERS lists no approvers")
	}
	for _, name := range append(owners.Approvers, owners.Reviewers...) {
		isAlias := strings.HasSuffix(name, "-maintainers") || strings.HasSuffix(name, "-reviewers") || strings.HasSuffix(name, "-approvers")
		if _, ok := aliases.Aliases[name]; isAlias && !ok {
			t.Errorf("OWNERS names alias %q, which OWNERS_ALIASES does not define", name)
		}
	}
}
