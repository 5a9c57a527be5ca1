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
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// KustomizationFiles are the names kustomize looks for, in its order.
var KustomizationFiles = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// Kustomization is the part of a kustomization this repository uses: a
// list of files.
type Kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
}

// ReadKustomization reads dir's kustomization file; it must list plain files
// of dir only (what `kustomize build` then prints unchanged).
func ReadKustomization(dir string) (*Kustomization, error) {
	for _, name := range KustomizationFiles {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		k := &Kustomization{}
		if err := yaml.UnmarshalStrict(b, k); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, name), err)
		}
		if k.Kind != "Kustomization" || len(k.Resources) == 0 {
			return nil, fmt.Errorf("%s: want a Kustomization listing resources", filepath.Join(dir, name))
		}
		for _, r := range k.Resources {
			if r != filepath.Base(r) {
				return nil, fmt.Errorf("%s: resource %q is not a file of %s", filepath.Join(dir, name), r, dir)
			}
		}
		return k, nil
	}
	return nil, fmt.Errorf("%s has no kustomization (%s)", dir, strings.Join(KustomizationFiles, ", "))
}

// KustomizationResources returns the files dir's kustomization lists, as
// one multi-document YAML stream.
func KustomizationResources(dir string) (io.Reader, error) {
	k, err := ReadKustomization(dir)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	for _, r := range k.Resources {
		b, err := os.ReadFile(filepath.Join(dir, r))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&buf, "---\n%s\n", b)
	}
	return &buf, nil
}

// PluginPlatforms are the platforms hack/release.sh builds kubectl-wfe for.
var PluginPlatforms = []struct{ OS, Arch string }{
	{"linux", "amd64"}, {"linux", "arm64"}, {"darwin", "amd64"}, {"darwin", "arm64"},
}

// PluginArchive is the name of kubectl-wfe's archive for a platform.
func PluginArchive(version, goos, goarch string) string {
	return fmt.Sprintf("kubectl-wfe_%s_%s_%s.tar.gz", version, goos, goarch)
}

// krewPlugin is krew's Plugin manifest (krew.googlecontainertools.github.com/v1alpha2).
type krewPlugin struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string         `json:"version"`
		Homepage         string         `json:"homepage"`
		ShortDescription string         `json:"shortDescription"`
		Description      string         `json:"description"`
		Platforms        []krewPlatform `json:"platforms"`
	} `json:"spec"`
}

type krewPlatform struct {
	Selector struct {
		MatchLabels map[string]string `json:"matchLabels"`
	} `json:"selector"`
	URI    string     `json:"uri"`
	SHA256 string     `json:"sha256"`
	Bin    string     `json:"bin"`
	Files  []krewFile `json:"files"`
}

type krewFile struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// KrewManifest writes the krew manifest of the plugin "wfe": one platform
// per archive of PluginPlatforms in dir, with its sha256 and its URI under
// releaseURL.
func KrewManifest(out io.Writer, version, releaseURL, dir string) error {
	if err := CheckVersion(version); err != nil {
		return err
	}
	u, err := url.Parse(releaseURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("-release-url %q: want an https URL (the archives are downloaded from URL/ARCHIVE)", releaseURL)
	}
	p := krewPlugin{APIVersion: "krew.googlecontainertools.github.com/v1alpha2", Kind: "Plugin"}
	p.Metadata.Name = "wfe"
	p.Spec.Version = version
	p.Spec.Homepage = "https://kubernaut.ai/workflowexecution"
	p.Spec.ShortDescription = "Inspect and manage Kubernaut WorkflowExecutions"
	p.Spec.Description = "kubectl wfe lists, describes and follows the logs of WorkflowExecutions\n" +
		"(workflowexecution.kubernaut.ai), shows why one was skipped or failed,\n" +
		"and lists and clears the per-target locks.\n"
	for _, pl := range PluginPlatforms {
		name := PluginArchive(version, pl.OS, pl.Arch)
		sum, err := sha256File(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("the %s/%s archive: %w", pl.OS, pl.Arch, err)
		}
		kp := krewPlatform{URI: strings.TrimSuffix(releaseURL, "/") + "/" + name, SHA256: sum, Bin: "kubectl-wfe",
			Files: []krewFile{{From: "kubectl-wfe", To: "."}, {From: "LICENSE", To: "."}}}
		kp.Selector.MatchLabels = map[string]string{"os": pl.OS, "arch": pl.Arch}
		p.Spec.Platforms = append(p.Spec.Platforms, kp)
	}
	b, err := yaml.Marshal(p)
	if err != nil {
		return err
	}
	_, err = out.Write(b)
	return err
}

func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
