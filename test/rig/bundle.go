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
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// Annotations of the layers of a Tekton bundle.
const (
	bundleAPIVersionAnnotation = "dev.tekton.image.apiVersion"
	bundleKindAnnotation       = "dev.tekton.image.kind"
	bundleNameAnnotation       = "dev.tekton.image.name"
)

// startRegistry serves an in-memory OCI registry on a loopback port.
func startRegistry() (*http.Server, string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("listening for the registry: %w", err)
	}
	srv := &http.Server{
		Handler:           registry.New(registry.Logger(log.New(io.Discard, "", 0))),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = srv.Serve(l) }()
	return srv, l.Addr().String(), nil
}

// PushPipelineBundle builds a Tekton bundle (an OCI image with one layer per
// object) from objs and pushes it to the rig's registry. ref is a full image
// reference ("127.0.0.1:PORT/repo:tag") or a repository path relative to the
// registry ("wf/restart:v1"). Each obj is a runtime.Object with its TypeMeta
// set (e.g. a *v1.Pipeline), a YAML or JSON string or []byte, or a
// map[string]any. It returns the image digest ("sha256:..."); the pinned
// reference is ref's repository + "@" + digest.
func (c *Cluster) PushPipelineBundle(ctx context.Context, ref string, objs ...any) (string, error) {
	if c.RegistryHost == "" {
		return "", fmt.Errorf("the cluster has no registry (tier %s)", c.tier)
	}
	if !strings.HasPrefix(ref, c.RegistryHost+"/") {
		ref = c.RegistryHost + "/" + strings.TrimPrefix(ref, "/")
	}
	return PushBundle(ctx, ref, objs...)
}

// BundleRef returns the full reference of repo (e.g. "wf/restart:v1") in the
// rig's registry.
func (c *Cluster) BundleRef(repo string) string {
	return c.RegistryHost + "/" + strings.TrimPrefix(repo, "/")
}

// PushBundle builds a Tekton bundle from objs (see PushPipelineBundle) and
// pushes it to ref over plain HTTP. It returns the image digest.
func PushBundle(ctx context.Context, ref string, objs ...any) (string, error) {
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		return "", fmt.Errorf("parsing bundle reference %q: %w", ref, err)
	}
	img, err := BundleImage(objs...)
	if err != nil {
		return "", err
	}
	if err := remote.Write(r, img, remote.WithContext(ctx)); err != nil {
		return "", fmt.Errorf("pushing bundle %s: %w", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		return "", fmt.Errorf("computing bundle digest: %w", err)
	}
	return d.String(), nil
}

// BundleImage builds a Tekton bundle image from objs (see PushPipelineBundle).
func BundleImage(objs ...any) (v1.Image, error) {
	img := empty.Image
	for i, obj := range objs {
		u, err := toUnstructured(obj)
		if err != nil {
			return nil, fmt.Errorf("bundle object %d: %w", i, err)
		}
		gvk := u.GroupVersionKind()
		if gvk.Kind == "" || gvk.Version == "" || u.GetName() == "" {
			return nil, fmt.Errorf("bundle object %d: apiVersion, kind and metadata.name are required", i)
		}
		data, err := yaml.Marshal(u.Object)
		if err != nil {
			return nil, fmt.Errorf("bundle object %d: %w", i, err)
		}
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		if err := tw.WriteHeader(&tar.Header{Name: u.GetName(), Mode: 0o600, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			return nil, fmt.Errorf("bundle object %d: %w", i, err)
		}
		if _, err := tw.Write(data); err != nil {
			return nil, fmt.Errorf("bundle object %d: %w", i, err)
		}
		if err := tw.Close(); err != nil {
			return nil, fmt.Errorf("bundle object %d: %w", i, err)
		}
		tarBytes := buf.Bytes()
		layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(tarBytes)), nil
		})
		if err != nil {
			return nil, fmt.Errorf("bundle object %d: %w", i, err)
		}
		img, err = mutate.Append(img, mutate.Addendum{
			Layer: layer,
			Annotations: map[string]string{
				bundleAPIVersionAnnotation: gvk.Version,
				bundleKindAnnotation:       strings.ToLower(gvk.Kind),
				bundleNameAnnotation:       u.GetName(),
			},
		})
		if err != nil {
			return nil, fmt.Errorf("bundle object %d: %w", i, err)
		}
	}
	return img, nil
}

// toUnstructured converts a runtime.Object, YAML/JSON text or a map.
func toUnstructured(obj any) (*unstructured.Unstructured, error) {
	switch o := obj.(type) {
	case *unstructured.Unstructured:
		return o, nil
	case string:
		return parseYAMLObject([]byte(o))
	case []byte:
		return parseYAMLObject(o)
	case map[string]any:
		return &unstructured.Unstructured{Object: o}, nil
	case runtime.Object:
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
		if err != nil {
			return nil, err
		}
		u := &unstructured.Unstructured{Object: m}
		if u.GetKind() == "" {
			gvk := o.GetObjectKind().GroupVersionKind()
			u.SetAPIVersion(gvk.GroupVersion().String())
			u.SetKind(gvk.Kind)
		}
		unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
		unstructured.RemoveNestedField(u.Object, "status")
		return u, nil
	default:
		return nil, fmt.Errorf("unsupported object type %T", obj)
	}
}

func parseYAMLObject(b []byte) (*unstructured.Unstructured, error) {
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("parsing object: %w", err)
	}
	return &unstructured.Unstructured{Object: m}, nil
}
