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

package version

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestGetDefaults(t *testing.T) {
	old, oldCommit := version, commit
	t.Cleanup(func() { version, commit = old, oldCommit })
	version, commit = "", ""
	got := Get()
	if got.Version != "devel" || got.Commit != "unknown" || got.GoVersion != runtime.Version() {
		t.Errorf("Get() = %+v, want devel, unknown and %s", got, runtime.Version())
	}
	if s := got.String(); s != "version=devel commit=unknown go="+runtime.Version() {
		t.Errorf("String() = %q", s)
	}
}

// TestLinkerFlags builds a binary with the flags .ko.yaml and the Makefile
// pass and checks that it reports them.
func TestLinkerFlags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	dir := t.TempDir()
	main := filepath.Join(dir, "main.go")
	if err := os.WriteFile(main, []byte(`package main

import (
	"fmt"

	"kubernaut.ai/workflowexecution/pkg/version"
)

func main() { fmt.Print(version.Get().String()) }
`), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "v")
	const pkg = "kubernaut.ai/workflowexecution/pkg/version"
	cmd := exec.Command("go", "build", "-o", bin,
		"-ldflags", "-X "+pkg+".version=v1.2.3 -X "+pkg+".commit=abc1234", main)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), "version=v1.2.3 commit=abc1234 go=") {
		t.Errorf("the binary reports %q, want version=v1.2.3 commit=abc1234", out)
	}
}
