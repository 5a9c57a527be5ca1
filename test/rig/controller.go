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
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// ControllerOptions configure StartController.
type ControllerOptions struct {
	// Name of the process and of its log (default "controller"); give
	// replicas distinct names.
	Name string
	// Package is the main package built once per test binary (default
	// "./cmd/controller", relative to the repository root).
	Package string
	// Binary is a prebuilt binary to run instead of building Package.
	Binary string
	// Env entries ("KEY=value") are added last, so they override the rig's.
	Env []string
	// Args are the controller's arguments (e.g. "--disable-ha").
	Args []string
	// ServiceAccount is the "namespace/name" the controller authenticates
	// as (default kubernaut-system/workflowexecution-controller), with a
	// token from the TokenRequest API: missing RBAC in config/ fails tests.
	ServiceAccount string
	// Admin runs the controller with the admin kubeconfig instead.
	Admin bool
}

// Controller is a controller process run by the rig.
type Controller struct {
	// Name of the process (and of its log file).
	Name string
	// ProbesPort serves /healthz and /readyz, MetricsPort /metrics and
	// ProfilingPort pprof, all on 127.0.0.1.
	ProbesPort, MetricsPort, ProfilingPort int
	// KubeconfigPath is the kubeconfig the controller runs with.
	KubeconfigPath string
	// Binary is the executable.
	Binary string

	c    *Cluster
	p    *process
	env  []string
	args []string
}

// StartController builds and starts our controller, failing t on error and
// killing it when t ends.
func (c *Cluster) StartController(t testing.TB, opts ControllerOptions) *Controller {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ctl, err := c.RunController(ctx, opts)
	if err != nil {
		t.Fatalf("starting the controller: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("----- last 100 lines of %s -----\n%s", ctl.p.logPath, ctl.p.tail(100))
		}
		ctl.Kill()
	})
	return ctl
}

// RunController is StartController without a testing.TB: the caller stops
// the controller (Cluster.Stop does too).
func (c *Cluster) RunController(ctx context.Context, opts ControllerOptions) (*Controller, error) {
	name := opts.Name
	if name == "" {
		name = "controller"
	}
	bin := opts.Binary
	if bin == "" {
		pkg := opts.Package
		if pkg == "" {
			pkg = "./cmd/controller"
		}
		var err error
		if bin, err = BuildController(ctx, c.RepoRoot, pkg); err != nil {
			return nil, err
		}
	}
	kubeconfig := c.KubeconfigPath
	if !opts.Admin {
		sa := opts.ServiceAccount
		if sa == "" {
			sa = SystemNamespace + "/" + ControllerServiceAccount
		}
		var err error
		if kubeconfig, err = c.ServiceAccountKubeconfig(ctx, sa); err != nil {
			return nil, err
		}
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	ctl := &Controller{
		Name: name, Binary: bin, KubeconfigPath: kubeconfig, c: c,
		ProbesPort: ports[0], MetricsPort: ports[1], ProfilingPort: ports[2],
		args: opts.Args,
	}
	ctl.env = append([]string{
		"KUBECONFIG=" + kubeconfig,
		"SYSTEM_NAMESPACE=" + SystemNamespace,
		"PROBES_PORT=" + itoa(ctl.ProbesPort),
		"METRICS_PROMETHEUS_PORT=" + itoa(ctl.MetricsPort),
		"PROFILING_PORT=" + itoa(ctl.ProfilingPort),
	}, opts.Env...)
	if ctl.p, err = startProcess(name, c.logDir, ctl.env, bin, ctl.args...); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.controllers = append(c.controllers, ctl)
	c.mu.Unlock()
	return ctl, nil
}

// ServiceAccountKubeconfig mints a token for the ServiceAccount
// "namespace/name" with the TokenRequest API and writes a kubeconfig using
// it; it returns the kubeconfig's path.
func (c *Cluster) ServiceAccountKubeconfig(ctx context.Context, sa string) (string, error) {
	ns, name, ok := strings.Cut(sa, "/")
	if !ok {
		return "", fmt.Errorf("service account %q is not namespace/name", sa)
	}
	exp := int64(24 * 60 * 60)
	tr, err := c.Kube.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &exp},
	}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("requesting a token for %s: %w", sa, err)
	}
	path := filepath.Join(c.Dir, fmt.Sprintf("sa-%s-%s.kubeconfig", ns, name))
	user := fmt.Sprintf("system:serviceaccount:%s:%s", ns, name)
	if err := writeKubeconfig(path, c.Host, user, tr.Status.Token); err != nil {
		return "", err
	}
	return path, nil
}

// PID returns the process id (0 if not started).
func (ctl *Controller) PID() int { return ctl.p.pid() }

// Kill sends SIGKILL to the controller and waits for it to die.
func (ctl *Controller) Kill() { ctl.p.kill() }

// Stop sends SIGTERM and waits (up to 30s, then SIGKILL); it returns the
// exit error, if any.
func (ctl *Controller) Stop() error { return ctl.p.terminate(30 * time.Second) }

// Restart stops the controller (SIGTERM) and starts it again with the same
// binary, ports, environment and arguments. Logs of all runs go to the same
// file.
func (ctl *Controller) Restart() error {
	if done, _ := ctl.p.exited(); !done {
		_ = ctl.Stop()
	}
	return ctl.p.start(ctl.env, ctl.Binary, ctl.args...)
}

// Exited reports whether the controller has exited and its exit code (-1 if
// killed by a signal).
func (ctl *Controller) Exited() (bool, int) {
	done, _ := ctl.p.exited()
	return done, ctl.p.exitCode()
}

// Wait waits for the controller to exit and returns its exit code (-1 if
// killed by a signal).
func (ctl *Controller) Wait(ctx context.Context) (int, error) {
	select {
	case <-ctl.p.doneCh():
		return ctl.p.exitCode(), nil
	case <-ctx.Done():
		return 0, fmt.Errorf("waiting for %s to exit: %w", ctl.Name, ctx.Err())
	}
}

// URL returns http://127.0.0.1:port + path.
func url(port int, path string) string { return fmt.Sprintf("http://127.0.0.1:%d%s", port, path) }

// MetricsURL is the controller's Prometheus endpoint.
func (ctl *Controller) MetricsURL() string { return url(ctl.MetricsPort, "/metrics") }

// ReadyzURL is the controller's readiness endpoint.
func (ctl *Controller) ReadyzURL() string { return url(ctl.ProbesPort, "/readyz") }

// HealthzURL is the controller's liveness endpoint.
func (ctl *Controller) HealthzURL() string { return url(ctl.ProbesPort, "/healthz") }

// WaitReady polls /readyz until it answers 200, the controller exits, or
// ctx ends (default deadline 60s).
func (ctl *Controller) WaitReady(ctx context.Context) error {
	client := &http.Client{Timeout: time.Second}
	var last string
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		if done, err := ctl.p.exited(); done {
			return false, fmt.Errorf("%s exited: %v", ctl.Name, err)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, ctl.ReadyzURL(), nil)
		if err != nil {
			return false, err
		}
		resp, err := client.Do(req)
		if err != nil {
			last = err.Error()
			return false, nil
		}
		resp.Body.Close()
		last = resp.Status
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for %s to be ready (last: %s): %w\n%s", ctl.Name, last, err, ctl.p.tail(40))
	}
	return nil
}

// Logs returns everything the controller logged (all runs).
func (ctl *Controller) Logs() string { return ctl.p.logs() }

// LogPath is the controller's log file.
func (ctl *Controller) LogPath() string { return ctl.p.logPath }

var controllerBuilds sync.Map // package -> *controllerBuild

type controllerBuild struct {
	once sync.Once
	path string
	err  error
}

// BuildController builds the main package pkg of the module at root once
// per test binary and returns the binary. The binary lives in the rig cache
// (one per repository and package, replaced atomically), never in the repo.
// WFE_RIG_CONTROLLER_BUILD_FLAGS adds go build flags (e.g. "-race").
func BuildController(ctx context.Context, root, pkg string) (string, error) {
	v, _ := controllerBuilds.LoadOrStore(root+"\x00"+pkg, &controllerBuild{})
	b := v.(*controllerBuild)
	b.once.Do(func() {
		sum := sha256.Sum256([]byte(root + "\x00" + pkg))
		dir := filepath.Join(cacheRoot(), "controller", hex.EncodeToString(sum[:6]))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, filepath.Base(pkg))
		tmp, err := os.CreateTemp(dir, ".build-*")
		if err != nil {
			b.err = err
			return
		}
		tmp.Close()
		args := []string{"build", "-o", tmp.Name()}
		args = append(args, strings.Fields(os.Getenv("WFE_RIG_CONTROLLER_BUILD_FLAGS"))...)
		args = append(args, pkg)
		cmd := exec.CommandContext(ctx, goBinary(), args...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			os.Remove(tmp.Name())
			b.err = fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
			return
		}
		if err := os.Rename(tmp.Name(), b.path); err != nil {
			b.err = err
		}
	})
	return b.path, b.err
}

// cacheRoot is the rig's cache directory (as in hack/rig/build.sh).
func cacheRoot() string {
	if d := os.Getenv("WFE_RIG_CACHE"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "workflowexecution")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".cache", "workflowexecution")
	}
	return filepath.Join(os.TempDir(), "workflowexecution-cache")
}
