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
	"bytes"
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"kubernaut.ai/workflowexecution/test/rig"
)

// TestKoResolve runs `ko resolve -f config/` offline: the base image and the
// pushed controller image live in a registry on loopback. WFE_KO names the
// ko binary (make verify-ko builds it); without it the test is skipped. It
// builds linux/amd64 only (a developer's `ko apply --platform`);
// TestReleaseScript builds .ko.yaml's platforms.
func TestKoResolve(t *testing.T) {
	ko := koBinary(t)
	host := loopbackRegistry(t)

	root := filepath.Join(configDir(t), "..")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ko, "resolve", "--insecure-registry", "--platform=linux/amd64", "-f", "config/")
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"KO_DOCKER_REPO="+host+"/workflowexecution",
		"KO_DEFAULTBASEIMAGE="+host+"/base/static:latest",
		"GOFLAGS=-mod=mod",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ko resolve: %v\n%s", err, stderr.String())
	}
	objs, err := rig.ParseYAML(stdout.Bytes())
	if err != nil {
		t.Fatalf("parsing ko's output: %v", err)
	}
	var image string
	for _, o := range objs {
		if o.GetKind() != "Deployment" {
			continue
		}
		containers, _, _ := unstructuredContainers(o.Object)
		for _, c := range containers {
			image = c
		}
	}
	if !strings.HasPrefix(image, host+"/workflowexecution/") || !strings.Contains(image, "@sha256:") {
		t.Fatalf("the Deployment's image = %q, want a digest in %s/workflowexecution", image, host)
	}
	// The pushed image is the controller: linux/amd64 with a Go binary entrypoint.
	ref, err := name.ParseReference(image, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(ref)
	if err != nil {
		t.Fatalf("reading the pushed image: %v", err)
	}
	icfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if icfg.OS != "linux" || len(icfg.Config.Entrypoint) == 0 || !strings.Contains(icfg.Config.Entrypoint[0], "controller") {
		t.Errorf("pushed image config = %+v, want a linux image whose entrypoint is the controller", icfg.Config)
	}
	t.Logf("ko resolved the controller to %s", image)
}

func koBinary(t *testing.T) string {
	t.Helper()
	ko := os.Getenv("WFE_KO")
	if ko == "" {
		t.Skip("WFE_KO is not set (make verify-ko sets it)")
	}
	return ko
}

// loopbackRegistry starts a registry on loopback holding a minimal base
// image index (no layers, a non-root user; linux/amd64 and linux/arm64, the
// platforms of .ko.yaml) at HOST/base/static:latest, and returns HOST.
func loopbackRegistry(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(registry.New())
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	host := u.Host

	var adds []mutate.IndexAddendum
	for _, arch := range []string{"amd64", "arm64"} {
		cfg, err := empty.Image.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		cfg = cfg.DeepCopy()
		cfg.OS, cfg.Architecture = "linux", arch
		cfg.Config.User = "65532"
		img, err := mutate.ConfigFile(empty.Image, cfg)
		if err != nil {
			t.Fatal(err)
		}
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{
			Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	base := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
	baseRef, err := name.ParseReference(host+"/base/static:latest", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(baseRef, base); err != nil {
		t.Fatalf("pushing the base image: %v", err)
	}
	return host
}

func unstructuredContainers(obj map[string]any) ([]string, bool, error) {
	var images []string
	spec, _ := obj["spec"].(map[string]any)
	tmpl, _ := spec["template"].(map[string]any)
	pspec, _ := tmpl["spec"].(map[string]any)
	cs, _ := pspec["containers"].([]any)
	for _, c := range cs {
		if m, ok := c.(map[string]any); ok {
			if img, ok := m["image"].(string); ok {
				images = append(images, img)
			}
		}
	}
	return images, len(images) > 0, nil
}
