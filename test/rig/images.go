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
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Images of the node tier, by short name (keys of NodeImages). They live in
// the rig's registry under these repositories.
const (
	// ImageBusybox is a static busybox with a symlink per applet in /bin: the
	// base of Tekton's images, Tekton's shell image and the step image of
	// the node tier's tests.
	ImageBusybox = "rig/busybox"
	// ImagePause is the pod sandbox image (busybox sleeping forever).
	ImagePause = "rig/pause"
	// ImageEntrypoint, ImageNop, ImageWorkingDirInit and
	// ImageSidecarLogResults are Tekton's images, built with ko from the
	// pinned Tekton module onto ImageBusybox.
	ImageEntrypoint        = "tekton/entrypoint"
	ImageNop               = "tekton/nop"
	ImageWorkingDirInit    = "tekton/workingdirinit"
	ImageSidecarLogResults = "tekton/sidecarlogresults"
)

// busyboxPath is the busybox of Debian's busybox-static package.
var busyboxPath = "/bin/busybox"

// tektonImagePackages are the Tekton commands built into images (the
// image name is the last path element).
var tektonImagePackages = []string{
	"github.com/tektoncd/pipeline/cmd/entrypoint",
	"github.com/tektoncd/pipeline/cmd/nop",
	"github.com/tektoncd/pipeline/cmd/workingdirinit",
	"github.com/tektoncd/pipeline/cmd/sidecarlogresults",
}

// refNameAnnotation names an image in the OCI layout of the image cache.
const refNameAnnotation = "org.opencontainers.image.ref.name"

// busyboxImage builds the base image from a static busybox binary: /bin with
// busybox and a symlink per applet, /tmp, and a root entry in /etc/passwd.
// The image is reproducible (fixed timestamps).
func busyboxImage(busybox string) (v1.Image, error) {
	bin, err := os.ReadFile(busybox)
	if err != nil {
		return nil, fmt.Errorf("reading %s (package busybox-static): %w", busybox, err)
	}
	out, err := exec.Command(busybox, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --list: %w", busybox, err)
	}
	applets := strings.Fields(string(out))
	sort.Strings(applets)

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch := time.Unix(0, 0)
	add := func(h *tar.Header, body []byte) error {
		h.ModTime, h.Format = epoch, tar.FormatPAX
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write(body)
		return err
	}
	etcPasswd := []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
	etcGroup := []byte("root:x:0:\nnobody:x:65534:\n")
	entries := []struct {
		h    tar.Header
		body []byte
	}{
		{h: tar.Header{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755}},
		{h: tar.Header{Name: "etc/", Typeflag: tar.TypeDir, Mode: 0o755}},
		{h: tar.Header{Name: "root/", Typeflag: tar.TypeDir, Mode: 0o700}},
		{h: tar.Header{Name: "tmp/", Typeflag: tar.TypeDir, Mode: 0o1777}},
		{h: tar.Header{Name: "etc/passwd", Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(etcPasswd))}, body: etcPasswd},
		{h: tar.Header{Name: "etc/group", Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(etcGroup))}, body: etcGroup},
		{h: tar.Header{Name: "bin/busybox", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(bin))}, body: bin},
	}
	for _, e := range entries {
		h := e.h
		if err := add(&h, e.body); err != nil {
			return nil, err
		}
	}
	for _, a := range applets {
		if a == "busybox" || strings.Contains(a, "/") {
			continue
		}
		if err := add(&tar.Header{Name: "bin/" + a, Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777}, nil); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	layerBytes := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerBytes)), nil
	})
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	cf.Config.Cmd = []string{"/bin/sh"}
	return mutate.ConfigFile(img, cf)
}

// pauseImage is base with a command that sleeps until killed (the pod
// sandbox's only job is to hold the pod's namespaces).
func pauseImage(base v1.Image) (v1.Image, error) {
	cf, err := base.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Config.Cmd = []string{"/bin/sleep", "2147483647"}
	return mutate.ConfigFile(base, cf)
}

// NodeImages are the images of the node tier, pushed to the rig's registry:
// short name (ImageBusybox, ...) to a pinned reference
// ("127.0.0.1:PORT/rig/busybox@sha256:...").
type NodeImages map[string]string

// imageCacheDir is where the built images are kept (an OCI layout) for the
// binaries in binDir and this busybox.
func imageCacheDir(binDir, busybox string) (string, error) {
	b, err := os.ReadFile(busybox)
	if err != nil {
		return "", fmt.Errorf("reading %s (package busybox-static): %w", busybox, err)
	}
	sum := sha256.Sum256(b)
	return filepath.Join(filepath.Dir(binDir), "images-"+hex.EncodeToString(sum[:])[:12]), nil
}

// EnsureNodeImages pushes the node tier's images to the registry at
// registryHost. The first call on a machine builds them (the busybox base
// in-process; Tekton's images with ko from hack/rig/tools/tekton onto it)
// and keeps them in an OCI layout next to binDir; later calls only push.
func EnsureNodeImages(ctx context.Context, binDir, registryHost string, logf func(string, ...any)) (NodeImages, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	dir, err := imageCacheDir(binDir, busyboxPath)
	if err != nil {
		return nil, err
	}
	// One builder at a time per machine; the others wait and find the cache.
	lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	if !fileExists(filepath.Join(dir, "index.json")) {
		start := time.Now()
		if err := buildNodeImages(ctx, binDir, registryHost, dir, logf); err != nil {
			return nil, err
		}
		logf("rig: built the node images in %s (cached in %s)", time.Since(start).Round(time.Millisecond), dir)
	}
	return pushLayout(ctx, dir, registryHost)
}

// pushLayout pushes every image of the OCI layout at dir to registryHost,
// under its ref name, tagged "rig".
func pushLayout(ctx context.Context, dir, registryHost string) (NodeImages, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the image cache %s: %w", dir, err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, err
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	out := NodeImages{}
	for _, d := range m.Manifests {
		repo := d.Annotations[refNameAnnotation]
		if repo == "" {
			continue
		}
		img, err := idx.Image(d.Digest)
		if err != nil {
			return nil, err
		}
		tag, err := name.NewTag(registryHost + "/" + repo + ":rig")
		if err != nil {
			return nil, err
		}
		if err := remote.Write(tag, img, remote.WithContext(ctx)); err != nil {
			return nil, fmt.Errorf("pushing %s: %w", tag, err)
		}
		out[repo] = registryHost + "/" + repo + "@" + d.Digest.String()
	}
	for _, want := range []string{ImageBusybox, ImagePause, ImageEntrypoint, ImageNop, ImageWorkingDirInit} {
		if out[want] == "" {
			return nil, fmt.Errorf("the image cache %s has no %s: remove it to rebuild", dir, want)
		}
	}
	return out, nil
}

// buildNodeImages builds every image through the registry at registryHost
// and saves them to a new OCI layout at dir.
func buildNodeImages(ctx context.Context, binDir, registryHost, dir string, logf func(string, ...any)) error {
	base, err := busyboxImage(busyboxPath)
	if err != nil {
		return err
	}
	pause, err := pauseImage(base)
	if err != nil {
		return err
	}
	images := map[string]v1.Image{ImageBusybox: base, ImagePause: pause}
	baseRef := registryHost + "/" + ImageBusybox + ":rig"
	tag, err := name.NewTag(baseRef)
	if err != nil {
		return err
	}
	if err := remote.Write(tag, base, remote.WithContext(ctx)); err != nil {
		return fmt.Errorf("pushing %s: %w", baseRef, err)
	}

	ko := filepath.Join(binDir, "ko")
	if !fileExists(ko) {
		return fmt.Errorf("%s is missing: run hack/rig/build.sh node", ko)
	}
	root, err := RepoRoot()
	if err != nil {
		return err
	}
	start := time.Now()
	args := append([]string{"build", "--base-import-paths", "--platform=linux/amd64", "--sbom=none", "--tags=rig"}, tektonImagePackages...)
	cmd := exec.CommandContext(ctx, ko, args...)
	cmd.Dir = filepath.Join(root, "hack", "rig", "tools", "tekton")
	cmd.Env = append(os.Environ(),
		"KO_DOCKER_REPO="+registryHost+"/tekton",
		"KO_DEFAULTBASEIMAGE="+baseRef,
		"GOFLAGS=-mod=mod",
		"CGO_ENABLED=0",
		"PATH="+filepath.Dir(goBinary())+string(os.PathListSeparator)+os.Getenv("PATH"),
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ko build: %w\n%s", err, tailLines(stderr.String(), 30))
	}
	logf("rig: ko built Tekton's images in %s", time.Since(start).Round(time.Millisecond))
	for _, line := range strings.Fields(stdout.String()) {
		ref, err := name.ParseReference(line)
		if err != nil {
			return fmt.Errorf("ko printed %q: %w", line, err)
		}
		repo := ref.Context().RepositoryStr()
		img, err := remote.Image(ref, remote.WithContext(ctx))
		if err != nil {
			return fmt.Errorf("reading %s back: %w", ref, err)
		}
		images[repo] = img
	}

	tmp := dir + ".tmp"
	_ = os.RemoveAll(tmp)
	p, err := layout.Write(tmp, empty.Index)
	if err != nil {
		return err
	}
	repos := make([]string, 0, len(images))
	for r := range images {
		repos = append(repos, r)
	}
	sort.Strings(repos)
	for _, r := range repos {
		if err := p.AppendImage(images[r], layout.WithAnnotations(map[string]string{refNameAnnotation: r})); err != nil {
			return fmt.Errorf("saving %s: %w", r, err)
		}
	}
	_ = os.RemoveAll(dir)
	return os.Rename(tmp, dir)
}
