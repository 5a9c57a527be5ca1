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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"kubernaut.ai/workflowexecution/test/rig"
)

// TestReleaseScript runs hack/release.sh offline against a registry on
// loopback and checks what a user installs: every object labelled with the
// version, the info ConfigMap saying it, the image pushed under the version
// tag for linux/amd64 and linux/arm64 and referenced by digest, the binary
// in it reporting the version and the commit (.ko.yaml's ldflags), and the
// other artefacts (checkArtefacts).
func TestReleaseScript(t *testing.T) {
	ko := koBinary(t)
	host := loopbackRegistry(t)
	root := filepath.Join(configDir(t), "..")
	const version = "v0.0.0-test.1"
	out := filepath.Join(t.TempDir(), "release.yaml")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "./hack/release.sh", version, out)
	cmd.Dir = root
	const releaseURL = "https://example.com/workflowexecution/releases/download/" + version
	cmd.Env = append(os.Environ(),
		"KO="+ko,
		"KO_FLAGS=--insecure-registry",
		"RELEASE_URL="+releaseURL,
		"KO_DOCKER_REPO="+host+"/workflowexecution",
		"KO_DEFAULTBASEIMAGE="+host+"/base/static:latest",
		"GOFLAGS=-mod=mod",
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("hack/release.sh: %v\n%s", err, stderr.String())
	}
	objs, err := rig.ReadYAMLFiles(out)
	if err != nil {
		t.Fatalf("parsing release.yaml: %v", err)
	}
	// The release holds what config/ holds.
	if want := len(objects(t)); len(objs) != want {
		t.Errorf("release.yaml has %d objects, config/ %d", len(objs), want)
	}
	var image string
	for _, o := range objs {
		if got := o.GetLabels()["app.kubernetes.io/version"]; got != version {
			t.Errorf("%s %s: app.kubernetes.io/version = %q, want %s", o.GetKind(), o.GetName(), got, version)
		}
		switch {
		case o.GetKind() == "ConfigMap" && o.GetName() == "workflowexecution-info":
			if v := o.Object["data"].(map[string]any)["version"]; v != version {
				t.Errorf("workflowexecution-info version = %v, want %s", v, version)
			}
		case o.GetKind() == "Deployment":
			images, _, _ := unstructuredContainers(o.Object)
			image = images[0]
		}
	}
	repo := host + "/workflowexecution/controller"
	if !strings.HasPrefix(image, repo+"@sha256:") && !strings.HasPrefix(image, repo+":"+version+"@sha256:") {
		t.Fatalf("the Deployment's image = %q, want %s by digest", image, repo)
	}
	digest := image[strings.Index(image, "@")+1:]

	// The version tag names the same image.
	tagRef, err := name.ParseReference(repo+":"+version, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Get(tagRef)
	if err != nil {
		t.Fatalf("the tag %s: %v", tagRef, err)
	}
	if desc.Digest.String() != digest {
		t.Errorf("%s is %s, release.yaml uses %s", tagRef, desc.Digest, digest)
	}
	checkPlatforms(t, desc, "linux/amd64", "linux/arm64")
	checkArtefacts(t, filepath.Dir(out), version, releaseURL)

	// The binary in the image reports the version and the commit.
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skipf("cannot run a linux/amd64 binary on %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	img, err := desc.Image()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "controller")
	if err := extractFile(mutate.Extract(img), "ko-app/controller", bin); err != nil {
		t.Fatalf("the controller binary in %s: %v", image, err)
	}
	// The licences of what the image ships (ko's kodata: /var/run/ko).
	modules := filepath.Join(t.TempDir(), "MODULES.txt")
	if err := extractFile(mutate.Extract(img), "var/run/ko/third_party/VENDOR-LICENSE/MODULES.txt", modules); err != nil {
		t.Errorf("third_party/VENDOR-LICENSE/MODULES.txt in the image: %v", err)
	} else if b, _ := os.ReadFile(modules); !strings.Contains(string(b), "knative.dev/pkg ") {
		t.Errorf("the image's MODULES.txt does not list knative.dev/pkg:\n%s", b)
	}
	for _, f := range []string{"var/run/ko/third_party/VENDOR-LICENSE/knative.dev/pkg/LICENSE", "var/run/ko/third_party/VENDOR-LICENSE/go/LICENSE"} {
		if err := extractFile(mutate.Extract(img), f, filepath.Join(t.TempDir(), "f")); err != nil {
			t.Errorf("%s in the image: %v", f, err)
		}
	}
	out2, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		t.Fatalf("controller --version: %v", err)
	}
	head, err := exec.CommandContext(ctx, "git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		t.Fatalf("git rev-parse: %v", err)
	}
	// --version logs a JSON line (cmd/controller: one logging path).
	var got struct{ Version, Commit string }
	for _, line := range strings.Split(strings.TrimSpace(string(out2)), "\n") {
		var entry struct{ Version, Commit string }
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Version != "" {
			got = entry
		}
	}
	commit := strings.TrimSpace(string(head))
	if got.Version != version || (got.Commit != commit && got.Commit != commit+"-dirty") {
		t.Errorf("controller --version = version %q commit %q, want %s and %s (or -dirty):\n%s", got.Version, got.Commit, version, commit, out2)
	}
	t.Logf("release.yaml: %d objects, image %s, %s", len(objs), image, got.Version+" "+got.Commit)
}

// extractFile copies the file at path in the tar stream r to dst, executable.
func extractFile(r io.ReadCloser, path, dst string) error {
	defer r.Close()
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return errors.New("not found")
		}
		if err != nil {
			return err
		}
		if strings.TrimPrefix(h.Name, "/") != path {
			continue
		}
		f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o700)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, tr); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
}
