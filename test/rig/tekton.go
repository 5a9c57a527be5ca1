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

package rig

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TektonVersion is the Tekton Pipelines release the rig runs; it must match
// hack/rig/tools/tekton/go.mod.
const TektonVersion = "v1.15.0"

// Tekton's namespaces.
const (
	TektonNamespace          = "tekton-pipelines"
	TektonResolversNamespace = "tekton-pipelines-resolvers"
)

var (
	tektonDirOnce sync.Once
	tektonDir     string
	tektonDirErr  error
)

// tektonModuleDir returns the directory of the pinned Tekton module in the
// module cache, downloading it if needed.
func tektonModuleDir(ctx context.Context) (string, error) {
	tektonDirOnce.Do(func() {
		cmd := exec.CommandContext(ctx, goBinary(), "mod", "download", "-json", "github.com/tektoncd/pipeline@"+TektonVersion)
		out, err := cmd.Output()
		if err != nil {
			tektonDirErr = fmt.Errorf("go mod download tekton: %w: %s", err, stderrOf(err))
			return
		}
		var info struct{ Dir, Error string }
		if err := json.Unmarshal(out, &info); err != nil {
			tektonDirErr = fmt.Errorf("go mod download tekton: %w", err)
			return
		}
		if info.Dir == "" {
			tektonDirErr = fmt.Errorf("go mod download tekton: %s", info.Error)
			return
		}
		tektonDir = info.Dir
	})
	return tektonDir, tektonDirErr
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return strings.TrimSpace(string(ee.Stderr))
	}
	return ""
}

// tektonCRDs reads Tekton's CRDs (all of them, or only PipelineRun and
// TaskRun) with the fixes a webhook-less Tekton needs: no conversion webhook,
// and a ResolutionRequest status that can record failures.
func tektonCRDs(ctx context.Context, all bool) ([]*unstructured.Unstructured, error) {
	dir, err := tektonModuleDir(ctx)
	if err != nil {
		return nil, err
	}
	files := []string{"300-pipelinerun.yaml", "300-taskrun.yaml"}
	if all {
		if files, err = yamlFiles(filepath.Join(dir, "config", "300-crds")); err != nil {
			return nil, err
		}
	} else {
		for i, f := range files {
			files[i] = filepath.Join(dir, "config", "300-crds", f)
		}
	}
	objs, err := ReadYAMLFiles(files...)
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		if o.GetKind() != "CustomResourceDefinition" {
			continue
		}
		fixTektonCRD(o)
	}
	return objs, nil
}

// fixTektonCRD drops the conversion webhook (nothing serves it here) and, for
// ResolutionRequest, the `required` list of the status schema (Tekton
// v1.15.0 cannot record a failed resolution otherwise, and a PipelineRun with
// a missing bundle hangs in ResolvingPipelineRef).
func fixTektonCRD(o *unstructured.Unstructured) {
	_ = unstructured.SetNestedMap(o.Object, map[string]any{"strategy": "None"}, "spec", "conversion")
	if o.GetName() != "resolutionrequests.resolution.tekton.dev" {
		return
	}
	versions, _, _ := unstructured.NestedSlice(o.Object, "spec", "versions")
	for _, v := range versions {
		vm, ok := v.(map[string]any)
		if !ok {
			continue
		}
		unstructured.RemoveNestedField(vm, "schema", "openAPIV3Schema", "properties", "status", "required")
	}
	_ = unstructured.SetNestedSlice(o.Object, versions, "spec", "versions")
}

// tektonConfig reads Tekton's namespaces and ConfigMaps (controller and
// resolvers). The resolvers' metrics are turned off so that only one
// process wants the default metrics port.
func tektonConfig(ctx context.Context) ([]*unstructured.Unstructured, error) {
	dir, err := tektonModuleDir(ctx)
	if err != nil {
		return nil, err
	}
	cfg := filepath.Join(dir, "config")
	files := []string{filepath.Join(cfg, "100-namespace", "100-namespace.yaml")}
	m, err := filepath.Glob(filepath.Join(cfg, "config-*.yaml"))
	if err != nil {
		return nil, err
	}
	files = append(files, m...)
	res, err := yamlFiles(filepath.Join(cfg, "resolvers"))
	if err != nil {
		return nil, err
	}
	files = append(files, res...)
	objs, err := ReadYAMLFiles(files...)
	if err != nil {
		return nil, err
	}
	var out []*unstructured.Unstructured
	for _, o := range objs {
		switch o.GetKind() {
		case "Namespace", "ConfigMap":
		default:
			continue
		}
		if o.GetKind() == "ConfigMap" && o.GetNamespace() == TektonResolversNamespace && o.GetName() == "config-observability" {
			_ = unstructured.SetNestedField(o.Object, "none", "data", "metrics-protocol")
		}
		out = append(out, o)
	}
	return out, nil
}
