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

package framework

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// kubectlWFE is the plugin binary a suite builds once.
type kubectlWFE struct {
	once sync.Once
	path string
	err  error
}

// KubectlWFE builds cmd/kubectl-wfe once per suite, alone in a directory
// of the rig's (removed with it) with its kubectl_complete-wfe, and returns
// the binary's path.
func (e *Env) KubectlWFE(t testing.TB) string {
	t.Helper()
	e.plugin.once.Do(func() {
		e.plugin.path = filepath.Join(e.Cluster.Dir, "plugins", "kubectl-wfe")
		build := exec.Command("go", "build", "-o", e.plugin.path, "./cmd/kubectl-wfe")
		build.Dir = e.Cluster.RepoRoot
		if out, err := build.CombinedOutput(); err != nil {
			e.plugin.err = err
			t.Logf("go build ./cmd/kubectl-wfe:\n%s", out)
			return
		}
		script, err := os.ReadFile(filepath.Join(e.Cluster.RepoRoot, "cmd", "kubectl-wfe", "kubectl_complete-wfe"))
		if err == nil {
			err = os.WriteFile(filepath.Join(filepath.Dir(e.plugin.path), "kubectl_complete-wfe"), script, 0o755)
		}
		e.plugin.err = err
	})
	if e.plugin.err != nil {
		t.Fatalf("building kubectl-wfe: %v", e.plugin.err)
	}
	return e.plugin.path
}

// Command runs bin with args against the rig (KUBECONFIG set, pathDirs
// first on PATH) for at most timeout, and returns its combined output and
// whether it exited 0. It fails t if bin could not be run at all.
func (e *Env) Command(t testing.TB, timeout time.Duration, pathDirs []string, bin string, args ...string) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+e.Cluster.KubeconfigPath)
	if len(pathDirs) > 0 {
		cmd.Env = append(cmd.Env, "PATH="+strings.Join(append(pathDirs, os.Getenv("PATH")), string(os.PathListSeparator)))
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		t.Fatalf("%s %v: %v", filepath.Base(bin), args, err)
	}
	return out.String(), err == nil
}
