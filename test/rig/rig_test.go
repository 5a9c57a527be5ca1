//go:build integration || e2e

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
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

const stubController = "./test/rig/testdata/stubcontroller"

func testContext(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// assertGone fails t unless every pid is gone (reaped or never a zombie of
// ours).
func assertGone(t *testing.T, pids map[string]int) {
	t.Helper()
	for name, pid := range pids {
		err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
			return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH), nil
		})
		if err != nil {
			t.Errorf("%s (pid %d) still exists after Stop", name, pid)
		}
	}
}

func httpGet(ctx context.Context, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestIntegrationTier(t *testing.T) {
	c := StartForTest(t, Options{Tier: Integration, ConfigDir: "testdata/config"})
	ctx := testContext(t, 2*time.Minute)

	v, err := c.Kube.Discovery().ServerVersion()
	if err != nil {
		t.Fatalf("ServerVersion: %v", err)
	}
	if v.GitVersion != KubernetesVersion {
		t.Errorf("server version = %q, want %q", v.GitVersion, KubernetesVersion)
	}
	if err := c.WaitCRDsEstablished(ctx, "pipelineruns.tekton.dev", "taskruns.tekton.dev",
		"workflowexecutions.workflowexecution.kubernaut.ai"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Tekton.TektonV1().PipelineRuns("default").List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("listing PipelineRuns: %v", err)
	}
	if _, err := c.Kube.AppsV1().Deployments(SystemNamespace).Get(ctx, "must-not-be-applied", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Deployment of the config: got err %v, want NotFound (Deployments are skipped)", err)
	}
	if _, err := c.Kube.CoreV1().ConfigMaps(SystemNamespace).Get(ctx, "config-workflowexecution", metav1.GetOptions{}); err != nil {
		t.Errorf("ConfigMap of the config: %v", err)
	}
	if err := c.CreateNamespace(ctx, "rig-self-test"); err != nil {
		t.Fatal(err)
	}

	ctl := c.StartController(t, ControllerOptions{Package: stubController, Args: []string{"--disable-ha"}})
	if err := ctl.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	code, body, err := httpGet(ctx, ctl.MetricsURL())
	if err != nil || code != http.StatusOK || !strings.Contains(body, "stub_up 1") {
		t.Errorf("GET %s = %d %q, %v; want 200 with stub_up 1", ctl.MetricsURL(), code, body, err)
	}
	if logs := ctl.Logs(); !strings.Contains(logs, "listing secrets denied") || !strings.Contains(logs, "[--disable-ha]") {
		t.Errorf("controller logs do not show the ServiceAccount's RBAC or the args:\n%s", logs)
	}
	oldPID := ctl.PID()
	if err := ctl.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if ctl.PID() == oldPID {
		t.Errorf("Restart kept pid %d", oldPID)
	}
	if err := ctl.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ctl.Stop(); err != nil {
		t.Errorf("Stop: %v (want a clean exit on SIGTERM)", err)
	}
	if n := strings.Count(ctl.Logs(), "stub controller stopping"); n != 2 {
		t.Errorf("logs show %d graceful stops, want 2", n)
	}
	if err := ctl.Restart(); err != nil {
		t.Fatalf("Restart after Stop: %v", err)
	}
	if err := ctl.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}

	pids := c.PIDs()
	for _, name := range []string{"etcd", "kube-apiserver", "controller"} {
		if pids[name] == 0 {
			t.Errorf("no pid for %s in %v", name, pids)
		}
	}
	c.Stop()
	assertGone(t, pids)
}

func TestIntegrationTierWithoutTekton(t *testing.T) {
	c := StartForTest(t, Options{Tier: Integration, SkipTektonCRDs: true, ConfigDir: "testdata/config"})
	ctx := testContext(t, time.Minute)
	_, err := c.Kube.Discovery().ServerResourcesForGroupVersion("tekton.dev/v1")
	if !apierrors.IsNotFound(err) {
		t.Errorf("tekton.dev/v1 discovery: got %v, want NotFound", err)
	}
	if _, err := c.RunController(ctx, ControllerOptions{Package: stubController, ServiceAccount: SystemNamespace + "/missing"}); err == nil {
		t.Error("RunController as a missing ServiceAccount succeeded, want an error")
	}
	// A controller that exits is reported with its exit code.
	ctl := c.StartController(t, ControllerOptions{Package: stubController, Env: []string{"KUBECONFIG=/nonexistent"}})
	code, err := ctl.Wait(ctx)
	if err != nil || code != 2 {
		t.Errorf("Wait = %d, %v; want exit code 2", code, err)
	}
	if err := ctl.WaitReady(ctx); err == nil || !strings.Contains(err.Error(), "exited") {
		t.Errorf("WaitReady of an exited controller = %v, want an 'exited' error", err)
	}
}

func TestIntegrationTierRealConfig(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if !fileExists(root + "/config") {
		t.Skip("no config/ yet")
	}
	c := StartForTest(t, Options{Tier: Integration})
	ctx := testContext(t, 2*time.Minute)
	if err := c.WaitCRDsEstablished(ctx, "workflowexecutions.workflowexecution.kubernaut.ai"); err != nil {
		t.Fatal(err)
	}
	// The ServiceAccount of config/ can authenticate and read its ConfigMaps.
	ctl := c.StartController(t, ControllerOptions{Package: stubController})
	if err := ctl.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
}
