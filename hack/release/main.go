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

// Command release makes hack/release.sh's artefacts from what it built.
//
// It stamps a release's version on the manifests that `ko resolve -f
// config/` prints: every object gets the label
// app.kubernetes.io/version=VERSION (and a Deployment's pod template too),
// and the workflowexecution-info ConfigMap gets data.version=VERSION.
//
//	ko resolve -f config/ | go run ./hack/release -version v0.1.0 > release.yaml
//
// With -kustomization DIR it reads the resources DIR's kustomization lists
// instead (no workflowexecution-info required):
//
//	go run ./hack/release -version v0.1.0 -kustomization config/monitoring > release-monitoring.yaml
//
// With -krew DIR it writes the krew manifest of the kubectl-wfe archives
// in DIR (PluginArchive names them), downloaded from -release-url:
//
//	go run ./hack/release -version v0.1.0 -krew dist -release-url URL > wfe.yaml
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

const (
	// VersionLabel is the Kubernetes recommended label for the release.
	VersionLabel = "app.kubernetes.io/version"
	// InfoConfigMap is config/info.yaml's ConfigMap.
	InfoConfigMap = "workflowexecution-info"
)

// versionRE is a semantic version with a leading v and no build metadata
// ("+" is not allowed in a label value).
var versionRE = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$`)

func main() {
	version := flag.String("version", "", "the release's version, e.g. v0.1.0")
	check := flag.Bool("check", false, "only check -version")
	kustomization := flag.String("kustomization", "", "stamp the resources of this directory's kustomization instead of stdin")
	krew := flag.String("krew", "", "write the krew manifest of the kubectl-wfe archives in this directory")
	releaseURL := flag.String("release-url", "", "with -krew: the URL the archives are downloaded from (ARCHIVE is appended)")
	flag.Parse()
	var err error
	switch {
	case *check:
		err = CheckVersion(*version)
	case *krew != "":
		err = KrewManifest(os.Stdout, *version, *releaseURL, *krew)
	case *kustomization != "":
		var in io.Reader
		if in, err = KustomizationResources(*kustomization); err == nil {
			err = Stamp(in, os.Stdout, *version, false)
		}
	default:
		err = Stamp(os.Stdin, os.Stdout, *version, true)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

// Stamp reads a multi-document YAML stream from in and writes it to out
// with version stamped on every object. With requireInfo, the stream must
// hold the workflowexecution-info ConfigMap.
func Stamp(in io.Reader, out io.Writer, version string, requireInfo bool) error {
	if err := CheckVersion(version); err != nil {
		return err
	}
	r := utilyaml.NewYAMLReader(bufio.NewReader(in))
	n, info := 0, false
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading the manifests: %w", err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(doc, &u.Object); err != nil {
			return fmt.Errorf("document %d: %w", n+1, err)
		}
		if len(u.Object) == 0 {
			continue
		}
		if u.GetKind() == "" || u.GetName() == "" {
			return fmt.Errorf("document %d: not a Kubernetes object (no kind or metadata.name)", n+1)
		}
		setLabel(u.Object, version, "metadata", "labels")
		if u.GetKind() == "Deployment" {
			setLabel(u.Object, version, "spec", "template", "metadata", "labels")
		}
		if u.GetKind() == "ConfigMap" && u.GetName() == InfoConfigMap {
			if err := unstructured.SetNestedField(u.Object, version, "data", "version"); err != nil {
				return fmt.Errorf("%s: %w", InfoConfigMap, err)
			}
			info = true
		}
		b, err := yaml.Marshal(u.Object)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(out, "---\n%s", b); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return errors.New("no objects on the input")
	}
	if requireInfo && !info {
		return fmt.Errorf("no ConfigMap %s on the input (config/info.yaml)", InfoConfigMap)
	}
	return nil
}

// CheckVersion fails unless version can be a release's version and a label value.
func CheckVersion(version string) error {
	if !versionRE.MatchString(version) || len(version) > 63 {
		return fmt.Errorf("-version %q: want a semantic version such as v0.1.0 (at most 63 characters, no build metadata)", version)
	}
	return nil
}

func setLabel(obj map[string]any, version string, path ...string) {
	labels, _, _ := unstructured.NestedStringMap(obj, path...)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[VersionLabel] = version
	_ = unstructured.SetNestedStringMap(obj, labels, path...)
}
