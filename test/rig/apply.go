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
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

const fieldManager = "rig"

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// ReadYAMLFiles parses every YAML document of the given files (skipping empty
// documents and Lists are expanded).
func ReadYAMLFiles(paths ...string) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		objs, err := ParseYAML(b)
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", p, err)
		}
		out = append(out, objs...)
	}
	return out, nil
}

// ParseYAML parses a multi-document YAML stream into objects.
func ParseYAML(b []byte) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(doc), len(doc)).Decode(&u.Object); err != nil {
			return nil, err
		}
		if len(u.Object) == 0 {
			continue
		}
		if u.IsList() {
			l, err := u.ToList()
			if err != nil {
				return nil, err
			}
			for i := range l.Items {
				out = append(out, &l.Items[i])
			}
			continue
		}
		out = append(out, u)
	}
}

// yamlFiles lists dir/*.yaml and dir/*.yml, sorted.
func yamlFiles(dir string) ([]string, error) {
	var files []string
	for _, pat := range []string{"*.yaml", "*.yml"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			return nil, err
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	return files, nil
}

// kindOrder sorts objects so that what others depend on is applied first.
func kindOrder(kind string) int {
	switch kind {
	case "Namespace":
		return 0
	case "CustomResourceDefinition":
		return 1
	case "ServiceAccount":
		return 2
	case "ClusterRole", "Role":
		return 3
	case "ClusterRoleBinding", "RoleBinding":
		return 4
	case "ConfigMap", "Secret":
		return 5
	default:
		return 6
	}
}

// Apply server-side applies objs in dependency order (namespaces, CRDs,
// service accounts, RBAC, config, the rest), waiting for CRDs to be
// established before applying anything else.
func (c *Cluster) Apply(ctx context.Context, objs ...*unstructured.Unstructured) error {
	sorted := append([]*unstructured.Unstructured(nil), objs...)
	sort.SliceStable(sorted, func(i, j int) bool { return kindOrder(sorted[i].GetKind()) < kindOrder(sorted[j].GetKind()) })

	var crds []string
	for _, o := range sorted {
		if o.GetKind() != "CustomResourceDefinition" && len(crds) > 0 {
			if err := c.WaitCRDsEstablished(ctx, crds...); err != nil {
				return err
			}
			crds = nil
		}
		if err := c.applyOne(ctx, o); err != nil {
			return err
		}
		if o.GetKind() == "CustomResourceDefinition" {
			crds = append(crds, o.GetName())
		}
	}
	if len(crds) > 0 {
		return c.WaitCRDsEstablished(ctx, crds...)
	}
	return nil
}

func (c *Cluster) applyOne(ctx context.Context, o *unstructured.Unstructured) error {
	gvk := o.GroupVersionKind()
	var mapping *meta.RESTMapping
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		m, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			if meta.IsNoMatchError(err) {
				c.mapper.Reset()
				return false, nil
			}
			return false, err
		}
		mapping = m
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("mapping %s %s: %w", gvk, o.GetName(), err)
	}
	ri := c.Dynamic.Resource(mapping.Resource)
	var rc = ri.Namespace(o.GetNamespace())
	if mapping.Scope.Name() == meta.RESTScopeNameRoot {
		rc = ri
	} else if o.GetNamespace() == "" {
		rc = ri.Namespace("default")
	}
	o = o.DeepCopy()
	unstructured.RemoveNestedField(o.Object, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(o.Object, "status")
	if _, err := rc.Apply(ctx, o.GetName(), o, metav1.ApplyOptions{FieldManager: fieldManager, Force: true}); err != nil {
		return fmt.Errorf("applying %s %s/%s: %w", gvk.Kind, o.GetNamespace(), o.GetName(), err)
	}
	return nil
}

// WaitCRDsEstablished waits until the named CRDs are Established.
func (c *Cluster) WaitCRDsEstablished(ctx context.Context, names ...string) error {
	for _, n := range names {
		err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			u, err := c.Dynamic.Resource(crdGVR).Get(ctx, n, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return false, nil
			}
			if err != nil {
				return false, err
			}
			conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
			for _, ci := range conds {
				cm, _ := ci.(map[string]any)
				if cm["type"] == "Established" && cm["status"] == "True" {
					return true, nil
				}
			}
			return false, nil
		})
		if err != nil {
			return fmt.Errorf("waiting for CRD %s to be established: %w", n, err)
		}
	}
	c.mapper.Reset()
	return nil
}

// ApplyDir applies every document of dir/*.yaml except those whose kind is
// in skipKinds.
func (c *Cluster) ApplyDir(ctx context.Context, dir string, skipKinds ...string) error {
	files, err := yamlFiles(dir)
	if err != nil {
		return err
	}
	objs, err := ReadYAMLFiles(files...)
	if err != nil {
		return err
	}
	return c.Apply(ctx, filterKinds(objs, skipKinds...)...)
}

func filterKinds(objs []*unstructured.Unstructured, skipKinds ...string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		skip := false
		for _, k := range skipKinds {
			if strings.EqualFold(o.GetKind(), k) {
				skip = true
			}
		}
		if !skip {
			out = append(out, o)
		}
	}
	return out
}
