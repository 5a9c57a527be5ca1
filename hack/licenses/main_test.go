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
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLicenseFiles(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"LICENSE", "NOTICE.txt", "COPYING", "License.md", "README.md", "licenses.go"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := licenseFiles(dir)
	if err != nil || strings.Join(got, ",") != "COPYING,LICENSE,License.md,NOTICE.txt" {
		t.Errorf("licenseFiles() = %v, %v", got, err)
	}
	if _, err := licenseFiles(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no LICENSE") {
		t.Errorf("licenseFiles(empty) = %v, want an error", err)
	}
}

// TestCompare: make verify fails on a licence added, removed or changed.
func TestCompare(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	files := map[string][]byte{"a.io/x/LICENSE": []byte("MIT"), "MODULES.txt": []byte("a.io/x v1\n")}
	if err := write(dir, files); err != nil {
		t.Fatal(err)
	}
	if err := compare(dir, files); err != nil {
		t.Fatalf("compare() right after write = %v", err)
	}
	changed := map[string][]byte{"a.io/x/LICENSE": []byte("Apache"), "b.io/y/NOTICE": []byte("n")}
	err := compare(dir, changed)
	for _, want := range []string{"differs: a.io/x/LICENSE", "missing: b.io/y/NOTICE", "extra: MODULES.txt", "make licenses"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("compare() = %v, want %q", err, want)
		}
	}
	if err := compare(filepath.Join(t.TempDir(), "absent"), files); err == nil || !strings.Contains(err.Error(), "missing: MODULES.txt") {
		t.Errorf("compare() of a missing directory = %v", err)
	}
}

// TestThirdPartyIsUpToDate is the drift check on the repository itself.
func TestThirdPartyIsUpToDate(t *testing.T) {
	files, err := collect([]string{"kubernaut.ai/workflowexecution/cmd/controller"})
	if err != nil {
		t.Fatal(err)
	}
	if err := compare(filepath.Join("..", "..", Out), files); err != nil {
		t.Error(err)
	}
	if _, ok := files["knative.dev/pkg/LICENSE"]; !ok {
		t.Error("knative.dev/pkg, compiled into the controller, has no licence in the output")
	}
}
