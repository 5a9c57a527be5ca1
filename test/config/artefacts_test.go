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
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"kubernaut.ai/workflowexecution/test/rig"
)

// The plugin's platforms: hack/release.sh builds these.
var pluginPlatforms = []struct{ os, arch string }{
	{"linux", "amd64"}, {"linux", "arm64"}, {"darwin", "amd64"}, {"darwin", "arm64"},
}

// checkPlatforms fails unless desc is an image index with these platforms.
func checkPlatforms(t *testing.T, desc *remote.Descriptor, want ...string) {
	t.Helper()
	idx, err := desc.ImageIndex()
	if err != nil {
		t.Fatalf("%s is not an image index: %v", desc.Digest, err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range m.Manifests {
		if d.Platform != nil {
			got = append(got, d.Platform.OS+"/"+d.Platform.Architecture)
		}
	}
	sort.Strings(got)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("the image index's platforms (-want +got):\n%s", d)
	}
}

// checkArtefacts checks hack/release.sh's artefacts besides release.yaml
// in dir: release-monitoring.yaml, the plugin archives and their sums, the
// krew manifest.
func checkArtefacts(t *testing.T, dir, version, releaseURL string) {
	t.Helper()
	// release-monitoring.yaml and release-dashboard.yaml: config/monitoring's
	// and config/dashboard's objects, stamped.
	for _, part := range []string{"monitoring", "dashboard"} {
		file := "release-" + part + ".yaml"
		objs, err := rig.ReadYAMLFiles(filepath.Join(dir, file))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, o := range objs {
			labels := o.GetLabels()
			if got := labels["app.kubernetes.io/version"]; got != version {
				t.Errorf("%s %s %s: app.kubernetes.io/version = %q, want %s", file, o.GetKind(), o.GetName(), got, version)
			}
			labels["app.kubernetes.io/version"] = "devel"
			o.SetLabels(labels)
		}
		if d := cmp.Diff(keyed(t, subdirObjects(t, part)), keyed(t, objs)); d != "" {
			t.Errorf("%s is not config/%s (-config/%s +release):\n%s", file, part, part, d)
		}
	}

	// The archives, each with its sum in checksums.txt.
	sums := readChecksums(t, filepath.Join(dir, "checksums.txt"))
	want := map[string]string{}
	for _, p := range pluginPlatforms {
		archive := fmt.Sprintf("kubectl-wfe_%s_%s_%s.tar.gz", version, p.os, p.arch)
		path := filepath.Join(dir, archive)
		want[archive] = sha256Of(t, path)
		checkPluginArchive(t, path, p.os, p.arch)
	}
	if d := cmp.Diff(want, sums); d != "" {
		t.Errorf("checksums.txt (-the archives' sha256 +checksums.txt):\n%s", d)
	}

	// The krew manifest.
	b, err := os.ReadFile(filepath.Join(dir, "wfe.yaml"))
	if err != nil {
		t.Fatalf("the krew manifest: %v", err)
	}
	var plugin struct {
		APIVersion string
		Kind       string
		Metadata   struct{ Name string }
		Spec       struct {
			Version          string
			Homepage         string
			ShortDescription string `json:"shortDescription"`
			Description      string
			Platforms        []struct {
				Selector struct {
					MatchLabels map[string]string `json:"matchLabels"`
				}
				URI    string
				SHA256 string
				Bin    string
				Files  []struct{ From, To string }
			}
		}
	}
	if err := yaml.UnmarshalStrict(b, &plugin); err != nil {
		t.Fatalf("wfe.yaml does not parse: %v\n%s", err, b)
	}
	if plugin.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" || plugin.Kind != "Plugin" ||
		plugin.Metadata.Name != "wfe" || plugin.Spec.Version != version || plugin.Spec.ShortDescription == "" ||
		plugin.Spec.Description == "" || plugin.Spec.Homepage == "" {
		t.Errorf("wfe.yaml: apiVersion %s kind %s name %s version %s homepage %q shortDescription %q, want a krew Plugin wfe %s with a homepage and descriptions",
			plugin.APIVersion, plugin.Kind, plugin.Metadata.Name, plugin.Spec.Version, plugin.Spec.Homepage, plugin.Spec.ShortDescription, version)
	}
	got := map[string]string{}
	for _, p := range plugin.Spec.Platforms {
		archive := fmt.Sprintf("kubectl-wfe_%s_%s_%s.tar.gz", version, p.Selector.MatchLabels["os"], p.Selector.MatchLabels["arch"])
		if p.URI != releaseURL+"/"+archive {
			t.Errorf("wfe.yaml: uri %s, want %s/%s", p.URI, releaseURL, archive)
		}
		if p.Bin != "kubectl-wfe" || len(p.Files) == 0 {
			t.Errorf("wfe.yaml %s: bin %q files %v, want kubectl-wfe", archive, p.Bin, p.Files)
		}
		got[archive] = p.SHA256
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("wfe.yaml's sha256 per archive (-the archives +wfe.yaml):\n%s", d)
	}
}

func sha256Of(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("plugin archive: %v", err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// readChecksums reads sha256sum's output: "SUM  FILE" lines.
func readChecksums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, file, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Errorf("checksums.txt: %q is not a sha256sum line", sc.Text())
			continue
		}
		out[file] = sum
	}
	return out
}

// checkPluginArchive fails unless the archive holds LICENSE and a
// kubectl-wfe executable for goos/goarch.
func checkPluginArchive(t *testing.T, path, goos, goarch string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("plugin archive: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	tr := tar.NewReader(zr)
	files := map[string]bool{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		files[h.Name] = true
		if h.Name != "kubectl-wfe" {
			continue
		}
		if h.Mode&0o111 == 0 {
			t.Errorf("%s: kubectl-wfe is not executable (%o)", path, h.Mode)
		}
		bin, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if got := binaryPlatform(bin); got != goos+"/"+goarch {
			t.Errorf("%s: kubectl-wfe is for %s, want %s/%s", path, got, goos, goarch)
		}
	}
	if !files["kubectl-wfe"] || !files["LICENSE"] {
		t.Errorf("%s holds %v, want kubectl-wfe and LICENSE", path, files)
	}
}

// binaryPlatform says which OS/architecture an executable is for.
func binaryPlatform(b []byte) string {
	r := strings.NewReader(string(b))
	if f, err := elf.NewFile(r); err == nil {
		switch f.Machine {
		case elf.EM_X86_64:
			return "linux/amd64"
		case elf.EM_AARCH64:
			return "linux/arm64"
		}
		return "linux/" + f.Machine.String()
	}
	if f, err := macho.NewFile(r); err == nil {
		switch f.Cpu {
		case macho.CpuAmd64:
			return "darwin/amd64"
		case macho.CpuArm64:
			return "darwin/arm64"
		}
		return "darwin/" + f.Cpu.String()
	}
	return "unknown"
}

// subdirObjects parses the manifests of config/DIR (not its kustomization).
func subdirObjects(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(configDir(t), dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var manifests []string
	for _, f := range files {
		if filepath.Base(f) != "kustomization.yaml" {
			manifests = append(manifests, f)
		}
	}
	objs, err := rig.ReadYAMLFiles(manifests...)
	if err != nil {
		t.Fatalf("parsing config/%s: %v", dir, err)
	}
	return objs
}

// keyed maps objects by kind/namespace/name.
func keyed(t *testing.T, objs []*unstructured.Unstructured) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, o := range objs {
		k := o.GetKind() + "/" + o.GetNamespace() + "/" + o.GetName()
		if _, dup := out[k]; dup {
			t.Errorf("%s twice", k)
		}
		out[k] = o.Object
	}
	return out
}

// TestKustomizeBuild builds config/, config/monitoring and config/dashboard with kubectl's
// kustomize (WFE_KUBECTL: the rig's pinned kubectl; make verify-ko sets it)
// and compares the objects with the directories' manifests: `kubectl apply
// -k` installs what `ko apply -f` and `kubectl apply -f` do.
func TestKustomizeBuild(t *testing.T) {
	kubectl := os.Getenv("WFE_KUBECTL")
	if kubectl == "" {
		t.Skip("WFE_KUBECTL is not set (make verify-ko sets it)")
	}
	for _, tc := range []struct {
		dir  string
		want func(*testing.T) []*unstructured.Unstructured
	}{
		{"config", objects},
		{"config/monitoring", func(t *testing.T) []*unstructured.Unstructured { return subdirObjects(t, "monitoring") }},
		{"config/dashboard", func(t *testing.T) []*unstructured.Unstructured { return subdirObjects(t, "dashboard") }},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, kubectl, "kustomize", filepath.Join(configDir(t), "..", tc.dir))
			out, err := cmd.Output()
			if err != nil {
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					t.Fatalf("kubectl kustomize %s: %v\n%s", tc.dir, err, ee.Stderr)
				}
				t.Fatal(err)
			}
			got, err := rig.ParseYAML(out)
			if err != nil {
				t.Fatalf("parsing kustomize's output: %v", err)
			}
			if d := cmp.Diff(keyed(t, tc.want(t)), keyed(t, got)); d != "" {
				t.Errorf("kubectl kustomize %s differs from its manifests (-manifests +kustomize):\n%s", tc.dir, d)
			}
		})
	}

	// As README.md says: config/ as a base, the released image set by name.
	t.Run("images", func(t *testing.T) {
		dir := t.TempDir()
		base, err := filepath.Rel(dir, configDir(t))
		if err != nil {
			t.Fatal(err)
		}
		const digest = "sha256:0123456789012345678901234567890123456789012345678901234567890123"
		k := "resources: [" + base + "]\nimages:\n  - name: ko://kubernaut.ai/workflowexecution/cmd/controller\n" +
			"    newName: registry.example.com/workflowexecution/controller\n    digest: " + digest + "\n"
		if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(k), 0o600); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, kubectl, "kustomize", dir).CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl kustomize: %v\n%s", err, out)
		}
		objs, err := rig.ParseYAML(out)
		if err != nil {
			t.Fatal(err)
		}
		var images []string
		for _, o := range objs {
			if o.GetKind() == "Deployment" {
				images, _, _ = unstructuredContainers(o.Object)
			}
		}
		if want := []string{"registry.example.com/workflowexecution/controller@" + digest}; !cmp.Equal(images, want) {
			t.Errorf("the Deployment's images = %v, want %v", images, want)
		}
	})
}
