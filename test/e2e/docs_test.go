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

package e2e

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"kubernaut.ai/workflowexecution/test/framework"
)

// TestDocsRun runs the command blocks of the README, the runbook, the
// author's guide and the samples, and the commands in the samples' headers,
// as written, with the rig's kubectl and the kubectl wfe plugin, against
// the shipped configuration and admission policies (tenancy as shipped).
// The only change is the one the docs tell a user to make: the placeholder
// registry registry.example.com is the rig's, where the test has pushed the
// sample bundle (tkn is not in the rig), and the pinned sample names its
// digest. A document's blocks run in order in one cluster state; what they
// create is removed before the next document.
func TestDocsRun(t *testing.T) {
	checkInvariant(t)
	ctx := context.Background()
	pluginDir := filepath.Dir(env.KubectlWFE(t))
	registry := env.Cluster.RegistryHost
	sub := func(s string) string { return strings.ReplaceAll(s, "registry.example.com", registry) }

	// The sample bundle, where the samples name it.
	pipeline, err := os.ReadFile(filepath.Join(env.Cluster.RepoRoot, "config/samples/bundle/restart-pipeline.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	digest, err := env.Cluster.PushPipelineBundle(ctx, "remediations/restart-deployment:v1.0.0", pipeline)
	if err != nil {
		t.Fatal(err)
	}

	// A copy of config/ with the registry replaced, as the samples say.
	work := t.TempDir()
	src := filepath.Join(env.Cluster.RepoRoot, "config")
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(env.Cluster.RepoRoot, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(work, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := sub(string(b))
		if filepath.Base(p) == "restart-deployment-pinned.yaml" {
			s = regexp.MustCompile(`sha256:[0-9a-f]{64}`).ReplaceAllString(s, digest)
		}
		return os.WriteFile(filepath.Join(work, rel), []byte(s), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}

	// The shipped configuration: config-workflowexecution as in config/.
	if err := env.SetConfig(ctx, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.SetConfig(ctx, baseConfig); err != nil {
			t.Errorf("restoring the suite's configuration: %v", err)
		}
	})

	var report []string
	runBlock := func(t *testing.T, b framework.DocBlock) {
		t.Helper()
		if b.Mark == "skip" {
			report = append(report, fmt.Sprintf("not run  %s (%s)", b.Where, b.Reason))
			return
		}
		if b.Needs != "" {
			if err := env.Cluster.CreateNamespace(ctx, b.Needs); err != nil {
				t.Fatal(err)
			}
		}
		script := "set -euo pipefail\ncd " + work + "\n" + sub(b.Text)
		out, ok := env.Command(t, 3*time.Minute, []string{env.Cluster.BinDir, pluginDir}, "bash", "-c", script)
		switch {
		case b.Mark == "run" && !ok:
			t.Errorf("%s: the block failed:\n%s\noutput:\n%s", b.Where, b.Text, out)
		case b.Mark == "fails" && (ok || !strings.Contains(out, b.Reason)):
			t.Errorf("%s: the block should fail printing %q (ok=%v):\n%s\noutput:\n%s", b.Where, b.Reason, ok, b.Text, out)
		default:
			t.Logf("%s: ok\n%s", b.Where, out)
		}
		report = append(report, fmt.Sprintf("%-8s %s", b.Mark, b.Where))
	}

	for _, f := range framework.DocFiles {
		b, err := os.ReadFile(filepath.Join(env.Cluster.RepoRoot, f))
		if err != nil {
			t.Fatal(err)
		}
		blocks, errs := framework.ParseDocBlocks(f, string(b))
		if len(errs) > 0 {
			t.Errorf("%s: %v", f, errs)
			continue
		}
		t.Run(f, func(t *testing.T) {
			defer resetDocState(t)
			for _, b := range blocks {
				runBlock(t, b)
			}
		})
	}
	samples, err := filepath.Glob(filepath.Join(env.Cluster.RepoRoot, "config/samples/*.yaml"))
	if err != nil || len(samples) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	samples = append(samples, filepath.Join(env.Cluster.RepoRoot, "config/samples/bundle/restart-pipeline.yaml"))
	for _, p := range samples {
		rel, _ := filepath.Rel(env.Cluster.RepoRoot, p)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		blocks := framework.ParseSampleHeader(rel, string(b))
		if len(blocks) == 0 {
			t.Errorf("%s: its header tells no command to run", rel)
		}
		t.Run(rel, func(t *testing.T) {
			defer resetDocState(t)
			for _, b := range blocks {
				runBlock(t, b)
			}
		})
	}
	t.Logf("command blocks:\n%s", strings.Join(report, "\n"))
}

// docNamespaces are the namespaces the documents create.
var docNamespaces = []string{"payment", "team-a"}

// resetDocState removes what a document's commands created and restores
// what they changed: their namespaces (the executions in them and, through
// the finalizer, their runs and locks), the shipped configuration, and the
// bundle pull secret of the execution namespace's default ServiceAccount.
func resetDocState(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	kube := env.Cluster.Kube
	for _, ns := range docNamespaces {
		if err := kube.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("deleting namespace %s: %v", ns, err)
		}
	}
	for _, ns := range docNamespaces {
		err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
			_, err := kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		})
		if err != nil {
			t.Errorf("namespace %s is still there: %v", ns, err)
		}
	}
	if err := env.SetConfig(ctx, nil); err != nil {
		t.Errorf("restoring the shipped configuration: %v", err)
	}
	const execNS = "kubernaut-workflows"
	_ = kube.CoreV1().Secrets(execNS).Delete(ctx, "bundle-pull", metav1.DeleteOptions{})
	sa, err := kube.CoreV1().ServiceAccounts(execNS).Get(ctx, "default", metav1.GetOptions{})
	if err == nil && len(sa.ImagePullSecrets) > 0 {
		sa.ImagePullSecrets = []corev1.LocalObjectReference(nil)
		if _, err := kube.CoreV1().ServiceAccounts(execNS).Update(ctx, sa, metav1.UpdateOptions{}); err != nil {
			t.Errorf("restoring the default ServiceAccount of %s: %v", execNS, err)
		}
	}
}
