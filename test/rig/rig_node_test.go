//go:build node

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
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/mutate"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"knative.dev/pkg/apis"
)

// TestNodeTier runs real pods on the node tier: a plain pod (exit code and
// logs through the API server), a Tekton TaskRun with Tekton's own images,
// and checks that Stop leaves nothing on the host while containers run.
func TestNodeTier(t *testing.T) {
	if why := NodeCheck(context.Background()); why != "" {
		t.Fatalf("the node tier cannot run here: %s", why)
	}
	c := StartForTest(t, Options{Tier: Node, ConfigDir: "testdata/config"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	nodeDir := c.node.dir

	// The KWOK node is tainted; the real node is Ready with its address on
	// the rig's bridge.
	real, err := c.Kube.CoreV1().Nodes().Get(ctx, RealNodeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ip string
	for _, a := range real.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			ip = a.Address
		}
	}
	if ip != NodeIP {
		t.Errorf("InternalIP = %q, want %s", ip, NodeIP)
	}
	// A real kubelet, not KWOK, owns the node; the KWOK node takes no pods.
	if v := real.Status.NodeInfo.KubeletVersion; v != KubernetesVersion {
		t.Errorf("kubeletVersion = %q, want %s", v, KubernetesVersion)
	}
	if _, ok := real.Annotations[kwokNodeAnnotation]; ok {
		t.Errorf("the real node carries %s", kwokNodeAnnotation)
	}
	fake, err := c.Kube.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fake.Spec.Taints) != 1 || fake.Spec.Taints[0].Key != SimulatedTaint || fake.Spec.Taints[0].Effect != corev1.TaintEffectNoSchedule {
		t.Errorf("KWOK node taints = %+v, want %s:NoSchedule", fake.Spec.Taints, SimulatedTaint)
	}
	// The kubelet refuses anonymous requests.
	insecure := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := insecure.Get(fmt.Sprintf("https://%s:%d/pods", NodeIP, real.Status.DaemonEndpoints.KubeletEndpoint.Port))
	if err != nil {
		t.Fatalf("GET the kubelet: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous GET /pods on the kubelet: %s, want 401", resp.Status)
	}

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "exit3", Namespace: metav1.NamespaceDefault},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{
				Name: "main", Image: c.Images[ImageBusybox],
				Command: []string{"sh", "-c", "echo hello from a real pod; exit 3"},
			}},
		},
	}
	if _, err := c.Kube.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var term *corev1.ContainerStateTerminated
	var nodeName string
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := c.Kube.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, s := range p.Status.ContainerStatuses {
			term = s.State.Terminated
		}
		nodeName = p.Spec.NodeName
		return term != nil, nil
	})
	if err != nil {
		t.Fatalf("waiting for the pod to terminate: %v", err)
	}
	if nodeName != RealNodeName {
		t.Errorf("the pod ran on %q, want %s", nodeName, RealNodeName)
	}
	if term.ExitCode != 3 || term.Reason != "Error" {
		t.Errorf("terminated = %d/%s, want 3/Error", term.ExitCode, term.Reason)
	}
	logs, err := c.Kube.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil {
		t.Fatalf("logs through the API server: %v", err)
	}
	if !strings.Contains(string(logs), "hello from a real pod") {
		t.Errorf("logs = %q", logs)
	}

	// A Tekton TaskRun: prepare (entrypoint image), place-scripts (shell
	// image), the step on the busybox image.
	tr := &tektonv1.TaskRun{
		ObjectMeta: metav1.ObjectMeta{Name: "hello", Namespace: metav1.NamespaceDefault},
		Spec: tektonv1.TaskRunSpec{TaskSpec: &tektonv1.TaskSpec{Steps: []tektonv1.Step{{
			Name: "run", Image: c.Images[ImageBusybox], Script: "echo tekton on a real node",
		}}}},
	}
	if _, err := c.Tekton.TektonV1().TaskRuns(tr.Namespace).Create(ctx, tr, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		got, err := c.Tekton.TektonV1().TaskRuns(tr.Namespace).Get(ctx, tr.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		cond := got.Status.GetCondition(apis.ConditionSucceeded)
		if cond == nil || cond.IsUnknown() {
			return false, nil
		}
		if !cond.IsTrue() {
			t.Errorf("TaskRun: %s: %s", cond.Reason, cond.Message)
		}
		tr = got
		return true, nil
	})
	if err != nil {
		t.Fatalf("waiting for the TaskRun: %v", err)
	}
	logs, err = c.Kube.CoreV1().Pods(tr.Namespace).GetLogs(tr.Status.PodName, &corev1.PodLogOptions{Container: "step-run"}).DoRaw(ctx)
	if err != nil || !strings.Contains(string(logs), "tekton on a real node") {
		t.Errorf("step logs = %q, %v", logs, err)
	}

	// A running container at Stop: its shim and process must go too.
	sleeper := pod.DeepCopy()
	sleeper.Name = "sleeper"
	sleeper.Spec.Containers[0].Command = []string{"sleep", "3600"}
	if _, err := c.Kube.CoreV1().Pods(sleeper.Namespace).Create(ctx, sleeper, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := c.Kube.CoreV1().Pods(sleeper.Namespace).Get(ctx, sleeper.Name, metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning, err
	})
	if err != nil {
		t.Fatalf("waiting for the sleeper: %v", err)
	}
	if pids := cgroupPids(filepath.Join(cgroupRoot, "pids", nodeCgroup)); len(pids) < 4 {
		t.Errorf("processes in the node cgroup: %v, want containerd, kubelet, shims, containers", pids)
	}

	c.Stop()
	assertNodeGone(t, nodeDir)
}

// assertNodeGone checks that no trace of a node tier is left on the host.
func assertNodeGone(t *testing.T, nodeDir string) {
	t.Helper()
	hs, err := cgroupHierarchies()
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		if fileExists(filepath.Join(h, nodeCgroup)) {
			t.Errorf("cgroup %s/%s left behind", h, nodeCgroup)
		}
		if fileExists(filepath.Join(h, "kubepods")) {
			t.Errorf("cgroup %s/kubepods exists", h)
		}
	}
	if fileExists(filepath.Join("/sys/class/net", nodeBridge)) {
		t.Errorf("bridge %s left behind", nodeBridge)
	}
	if fileExists(nodeDir) {
		t.Errorf("node directory %s left behind", nodeDir)
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(mounts), "\n") {
		if strings.Contains(l, nodeDir) || strings.Contains(l, "/run/netns") {
			t.Errorf("mount left behind: %s", l)
		}
	}
	for _, d := range []string{"/run/netns", "/run/containerd", "/var/lib/cni", "/var/log/pods", "/var/log/containers"} {
		if fileExists(d) {
			t.Errorf("%s exists on the host", d)
		}
	}
	for _, save := range []string{"iptables-save", "ip6tables-save"} {
		if _, err := exec.LookPath(save); err != nil {
			continue
		}
		out, err := exec.Command(save).CombinedOutput()
		if err != nil {
			t.Errorf("%s: %v", save, err)
		}
		if strings.Contains(string(out), "KUBE-") {
			t.Errorf("the node changed the host's firewall (%s):\n%s", save, out)
		}
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, _ := os.ReadFile(p)
		if strings.Contains(string(b), nodeDir) {
			t.Errorf("process left behind: %s: %q", p, strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
}

// TestBusyboxImage checks the base image: reproducible, with busybox and a
// shell, for linux/amd64.
func TestBusyboxImage(t *testing.T) {
	a, err := busyboxImage(busyboxPath)
	if err != nil {
		t.Fatal(err)
	}
	b, err := busyboxImage(busyboxPath)
	if err != nil {
		t.Fatal(err)
	}
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db {
		t.Errorf("two builds differ: %s, %s", da, db)
	}
	cf, err := a.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.OS != "linux" || cf.Architecture != "amd64" {
		t.Errorf("platform %s/%s", cf.OS, cf.Architecture)
	}
	rc := mutate.Extract(a)
	defer rc.Close()
	tr := tar.NewReader(rc)
	files := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		files[strings.TrimSuffix(h.Name, "/")] = h.Linkname
	}
	for _, f := range []string{"bin/busybox", "etc/passwd", "tmp"} {
		if _, ok := files[f]; !ok {
			t.Errorf("%s missing", f)
		}
	}
	for _, f := range []string{"bin/sh", "bin/sleep", "bin/dd", "bin/base64"} {
		if files[f] != "busybox" {
			t.Errorf("%s -> %q, want busybox", f, files[f])
		}
	}
}

// TestNodeCleanupAfterKill kills the supervisor of a node tier (`rigctl
// up -tier node`) with SIGKILL while a container runs: the shim and the
// container survive it, with the cgroups and the bridge. `rigctl down` then
// finds no supervisor and removes what is left.
func TestNodeCleanupAfterKill(t *testing.T) {
	if why := NodeCheck(context.Background()); why != "" {
		t.Fatalf("the node tier cannot run here: %s", why)
	}
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	rigctl := filepath.Join(tmp, "rigctl")
	build := exec.Command(goBinary(), "build", "-o", rigctl, "./test/rig/cmd/rigctl")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building rigctl: %v\n%s", err, out)
	}
	state := filepath.Join(tmp, "state")
	if out, err := exec.Command(rigctl, "up", "-tier", "node", "-state", state, "-config", filepath.Join(root, "test", "rig", "testdata", "config")).CombinedOutput(); err != nil {
		t.Fatalf("rigctl up: %v\n%s", err, out)
	}
	down := func() {
		if out, err := exec.Command(rigctl, "down", "-state", state).CombinedOutput(); err != nil {
			t.Errorf("rigctl down: %v\n%s", err, out)
		}
	}
	b, err := os.ReadFile(filepath.Join(state, "rigctl.pid"))
	if err != nil {
		down()
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		down()
		t.Fatal(err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(state, "cluster", "admin.kubeconfig"))
	if err != nil {
		down()
		t.Fatal(err)
	}
	kube := kubernetes.NewForConfigOrDie(cfg)
	env, _ := os.ReadFile(filepath.Join(state, "env"))
	image := ""
	for _, l := range strings.Split(string(env), "\n") {
		if v, ok := strings.CutPrefix(l, "export WFE_RIG_STEP_IMAGE="); ok {
			image = v
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "sleeper", Namespace: metav1.NamespaceDefault},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: image, Command: []string{"sleep", "3600"}}}},
	}
	if _, err := kube.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		down()
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := kube.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning, nil
	})
	if err != nil {
		down()
		t.Fatalf("waiting for the sleeper: %v", err)
	}

	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return syscall.Kill(pid, 0) != nil || isZombie(pid), nil
	})
	if err != nil {
		t.Fatalf("the supervisor did not die: %v", err)
	}
	// What a killed run leaves: the shim and the container.
	if pids := cgroupPids(filepath.Join(cgroupRoot, "pids", nodeCgroup)); len(pids) < 2 {
		t.Errorf("processes left in the node cgroup after the kill: %v, want the shim and the container", pids)
	}
	if !fileExists(filepath.Join("/sys/class/net", nodeBridge)) {
		t.Errorf("no bridge after the kill")
	}
	down()
	assertNodeGone(t, filepath.Join(state, "cluster", "node"))
}

func isZombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) state ...
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && i+2 < len(s) && s[i+2] == 'Z'
}
