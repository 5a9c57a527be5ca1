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
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// RepoRoot returns the root directory of the kubernaut.ai/workflowexecution
// module (found from this source file, else with `go env GOMOD`).
func RepoRoot() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		root := filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			return root, nil
		}
	}
	out, err := exec.Command(goBinary(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("cannot find the module root: not inside the module")
	}
	return filepath.Dir(gomod), nil
}

// goBinary returns the go command to use.
func goBinary() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "/usr/local/go/bin/go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

var (
	binMu    sync.Mutex
	binDirs  = map[Tier]string{}
	binDirEr = map[Tier]error{}
)

// EnsureBinaries returns the directory holding the rig's binaries for tier,
// running hack/rig/build.sh (idempotent and cached; slow only the first time
// on a machine) if needed. WFE_RIG_BIN_DIR overrides the lookup.
func EnsureBinaries(ctx context.Context, tier Tier, logf func(string, ...any)) (string, error) {
	if d := os.Getenv("WFE_RIG_BIN_DIR"); d != "" {
		return d, nil
	}
	binMu.Lock()
	defer binMu.Unlock()
	if d, ok := binDirs[tier]; ok {
		return d, binDirEr[tier]
	}
	d, err := runBuildScript(ctx, tier, logf)
	binDirs[tier], binDirEr[tier] = d, err
	return d, err
}

// tierBinaries lists the binaries each tier needs (see hack/rig/build.sh).
func tierBinaries(tier Tier) []string {
	bins := []string{"etcd", "kube-apiserver"}
	if tier.hasE2E() {
		bins = append(bins, "kube-scheduler", "kube-controller-manager", "kwok", "tekton-controller", "tekton-resolvers", "kubectl")
	}
	if tier == Node {
		bins = append(bins, "kubelet", "ko")
	}
	return bins
}

func runBuildScript(ctx context.Context, tier Tier, logf func(string, ...any)) (string, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	script := filepath.Join(root, "hack", "rig", "build.sh")
	// Fast path: everything already built for this hash.
	if out, err := exec.CommandContext(ctx, "bash", script, "--print-bin-dir").Output(); err == nil {
		dir := strings.TrimSpace(string(out))
		ok := filepath.IsAbs(dir)
		for _, b := range tierBinaries(tier) {
			ok = ok && fileExists(filepath.Join(dir, "."+b+".stamp"))
		}
		if ok {
			return dir, nil
		}
	}
	target := tier.String()
	cmd := exec.CommandContext(ctx, "bash", script, target)
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	logf("rig: hack/rig/build.sh %s: building missing binaries (minutes on a cold Go cache)", target)
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("hack/rig/build.sh %s: %w\n%s", target, err, stderr.String())
	}
	for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if l != "" && !strings.HasPrefix(l, "cached ") {
			logf("rig: %s", l)
		}
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	dir := strings.TrimSpace(lines[len(lines)-1])
	if !filepath.IsAbs(dir) {
		return "", fmt.Errorf("hack/rig/build.sh printed no bin directory: %q", stdout.String())
	}
	return dir, nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func freePorts(n int) ([]int, error) {
	// Hold all listeners until every port is known, so that they differ.
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func itoa(i int) string { return strconv.Itoa(i) }
