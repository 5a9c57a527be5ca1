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
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

func TestKrewManifest(t *testing.T) {
	dir := t.TempDir()
	sums := map[string]string{}
	for _, p := range PluginPlatforms {
		content := []byte("archive for " + p.OS + "/" + p.Arch)
		if err := os.WriteFile(filepath.Join(dir, PluginArchive("v1.2.3", p.OS, p.Arch)), content, 0o600); err != nil {
			t.Fatal(err)
		}
		s := sha256.Sum256(content)
		sums[p.OS+"/"+p.Arch] = hex.EncodeToString(s[:])
	}
	var out bytes.Buffer
	if err := KrewManifest(&out, "v1.2.3", "https://example.com/releases/v1.2.3/", dir); err != nil {
		t.Fatalf("KrewManifest() = %v", err)
	}
	var got krewPlugin
	if err := yaml.UnmarshalStrict(out.Bytes(), &got); err != nil {
		t.Fatalf("the manifest does not parse: %v\n%s", err, out.String())
	}
	if got.Kind != "Plugin" || got.Metadata.Name != "wfe" || got.Spec.Version != "v1.2.3" || got.Spec.ShortDescription == "" {
		t.Errorf("manifest = %+v", got)
	}
	gotSums := map[string]string{}
	for _, p := range got.Spec.Platforms {
		goos, arch := p.Selector.MatchLabels["os"], p.Selector.MatchLabels["arch"]
		gotSums[goos+"/"+arch] = p.SHA256
		if want := "https://example.com/releases/v1.2.3/" + PluginArchive("v1.2.3", goos, arch); p.URI != want {
			t.Errorf("%s/%s uri = %s, want %s", goos, arch, p.URI, want)
		}
		if p.Bin != "kubectl-wfe" {
			t.Errorf("%s/%s bin = %s", goos, arch, p.Bin)
		}
	}
	if d := cmp.Diff(sums, gotSums); d != "" {
		t.Errorf("sha256 per platform (-want +got):\n%s", d)
	}
}

func TestKrewManifestRejects(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, version, url, want string }{
		{"no url", "v1.0.0", "", "-release-url"},
		{"http url", "v1.0.0", "http://example.com/r", "-release-url"},
		{"bad version", "1.0", "https://example.com/r", "-version"},
		{"no archives", "v1.0.0", "https://example.com/r", "linux/amd64 archive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := KrewManifest(io.Discard, tc.version, tc.url, dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("KrewManifest() = %v, want an error naming %q", err, tc.want)
			}
		})
	}
}

func TestKustomizationResources(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("a.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n")
	write("b.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n")
	write("Kustomization", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [b.yaml, a.yaml]\n")
	in, err := KustomizationResources(dir)
	if err != nil {
		t.Fatalf("KustomizationResources() = %v", err)
	}
	var out bytes.Buffer
	if err := Stamp(in, &out, "v1.0.0", false); err != nil {
		t.Fatalf("Stamp() = %v", err)
	}
	if s := out.String(); strings.Index(s, "name: b") > strings.Index(s, "name: a") || strings.Count(s, "app.kubernetes.io/version: v1.0.0") != 2 {
		t.Errorf("stamped resources, in the kustomization's order:\n%s", s)
	}

	for _, tc := range []struct{ name, content, want string }{
		{"unknown field", "kind: Kustomization\nresources: [a.yaml]\nimages: []\n", "images"},
		{"outside the directory", "kind: Kustomization\nresources: [../a.yaml]\n", "../a.yaml"},
		{"no resources", "kind: Kustomization\n", "listing resources"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			write("Kustomization", tc.content)
			if _, err := KustomizationResources(dir); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("KustomizationResources() = %v, want an error naming %q", err, tc.want)
			}
		})
	}
	if _, err := KustomizationResources(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no kustomization") {
		t.Errorf("KustomizationResources(empty dir) = %v, want no kustomization", err)
	}
}
