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
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// The node tier's host resources. Their names are fixed, so only one node
// tier runs on a machine at a time (an abstract socket is the lock), and a
// run that was killed is cleaned up by the next one.
const (
	// nodeCgroup is created in every cgroup hierarchy: containerd, the
	// kubelet and the shims run in it (pids hierarchy), and it is the
	// kubelet's cgroupRoot, so pods live in <nodeCgroup>/kubepods.
	nodeCgroup = "wfe-rig-node"
	// nodeBridge is the CNI bridge; its address is the node's InternalIP and
	// the only address the kubelet listens on. Its alias records the node's
	// directory, for the cleanup of a killed run.
	nodeBridge = "wfe-rig0"
	nodeSubnet = "10.217.0.0/24"
	// NodeIP is the real node's InternalIP (on nodeBridge).
	NodeIP     = "10.217.0.1"
	nodeLock   = "@wfe-rig-node"
	cgroupRoot = "/sys/fs/cgroup"
	// nodeMarker marks a directory as a node directory of the rig.
	nodeMarker = ".wfe-rig-node"
	// cniBinDir is where Debian's containernetworking-plugins installs.
	cniBinDir = "/usr/lib/cni"
)

// kernelDefaults are the sysctls the kubelet checks with
// protectKernelDefaults. The host keeps its values: the node runs in a
// private mount namespace where files holding these values are bind-mounted
// over /proc/sys. ip_forward is faked for the CNI bridge plugin, which would
// otherwise turn forwarding on for the whole host (pods here only talk to
// the node).
var kernelDefaults = map[string]string{
	"vm/overcommit_memory":      "1",
	"kernel/panic":              "10",
	"kernel/panic_on_oops":      "1",
	"net/ipv4/ip_forward":       "1",
	"vm/panic_on_oom":           "0",
	"kernel/keys/root_maxkeys":  "1000000",
	"kernel/keys/root_maxbytes": "25000000",
}

// NodeCheck runs hack/rig/node-deps.sh, which installs the node tier's
// packages when they are missing, and checks what else the tier needs. It
// returns why the tier cannot run here, or "" if it can.
func NodeCheck(ctx context.Context) string {
	if os.Geteuid() != 0 {
		return "the node tier needs root (containerd, runc, mounts, cgroups)"
	}
	for _, h := range []string{"pids", "memory", "cpu"} {
		if !fileExists(filepath.Join(cgroupRoot, h, "cgroup.procs")) {
			return fmt.Sprintf("no cgroup v1 %q hierarchy at %s/%s (the node tier needs cgroup v1 as on this project's machines)", h, cgroupRoot, h)
		}
	}
	for _, bin := range []string{"unshare", "nsenter", "ip", "mount"} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Sprintf("%s not found (util-linux, iproute2)", bin)
		}
	}
	root, err := RepoRoot()
	if err != nil {
		return err.Error()
	}
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "hack", "rig", "node-deps.sh"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Sprintf("hack/rig/node-deps.sh: %v: %s", err, tailLines(out.String(), 5))
	}
	for _, bin := range []string{"containerd", "containerd-shim-runc-v2", "runc"} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Sprintf("%s not found after hack/rig/node-deps.sh", bin)
		}
	}
	return ""
}

// startNode starts containerd and the kubelet (after prepareNode, with the
// images pushed) and taints the KWOK node.
func (c *Cluster) startNode(ctx context.Context) error {
	n := c.node
	if n == nil {
		return errors.New("rig: startNode before prepareNode")
	}
	if why := NodeCheck(ctx); why != "" {
		return fmt.Errorf("the node tier cannot run here: %s", why)
	}
	l, err := net.Listen("unix", nodeLock)
	if err != nil {
		return fmt.Errorf("another node tier runs on this machine (lock %s: %v)", nodeLock, err)
	}
	n.lock = l
	if err := cleanupNode(c.logf); err != nil {
		return fmt.Errorf("cleaning up after an earlier node tier: %w", err)
	}
	start := time.Now()
	if err := os.WriteFile(filepath.Join(n.dir, nodeMarker), nil, 0o644); err != nil {
		return err
	}
	if err := makeNodeCgroups(); err != nil {
		return err
	}
	if err := makeBridge(n.dir); err != nil {
		return err
	}
	if err := c.writeNodeFiles(); err != nil {
		return err
	}
	ctrd, err := c.startHostProcess("containerd", "/bin/bash", filepath.Join(n.dir, "containerd.sh"))
	if err != nil {
		return err
	}
	sock := filepath.Join(n.dir, "containerd", "containerd.sock")
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		if done, err := ctrd.exited(); done {
			return false, fmt.Errorf("containerd exited: %v\n%s", err, ctrd.tail(20))
		}
		return fileExists(sock), nil
	})
	if err != nil {
		return fmt.Errorf("waiting for containerd's socket: %w", err)
	}
	if _, err := c.startHostProcess("kubelet", "/bin/bash", filepath.Join(n.dir, "kubelet.sh"), strconv.Itoa(ctrd.pid())); err != nil {
		return err
	}
	if err := c.waitRealNodeReady(ctx); err != nil {
		return err
	}
	c.logf("rig: node %s Ready in %s", RealNodeName, time.Since(start).Round(time.Millisecond))
	return nil
}

// CleanupNode removes what a node tier that was killed left on this host
// (processes, cgroups, the bridge, its directory). Start does it too;
// `rigctl down` calls it once no supervisor runs. A running node tier holds
// nodeLock, and what it holds is not a leftover: CleanupNode waits up to
// patience for the lock (its holder may be exiting), then says which
// process holds it instead of cleaning, or returning silently.
func CleanupNode(logf func(string, ...any), patience time.Duration) error {
	var l net.Listener
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, patience, true, func(context.Context) (bool, error) {
		var err error
		l, err = net.Listen("unix", nodeLock)
		return err == nil, nil
	})
	if err != nil {
		return fmt.Errorf("a node tier is running (lock %s held by %s): not cleaning it", nodeLock, lockHolders())
	}
	defer l.Close()
	return cleanupNode(logf)
}

// lockHolders names the processes that hold nodeLock, from /proc/net/unix
// (the socket's inode) and /proc/*/fd.
func lockHolders() string {
	b, err := os.ReadFile("/proc/net/unix")
	if err != nil {
		return "an unknown process"
	}
	inodes := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) >= 8 && f[len(f)-1] == nodeLock {
			inodes["socket:["+f[6]+"]"] = true
		}
	}
	var holders []string
	fds, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, fd := range fds {
		if target, err := os.Readlink(fd); err == nil && inodes[target] {
			pid := strings.Split(fd, "/")[2]
			comm, _ := os.ReadFile(filepath.Join("/proc", pid, "comm"))
			holders = append(holders, fmt.Sprintf("pid %s (%s)", pid, strings.TrimSpace(string(comm))))
		}
	}
	if len(holders) == 0 {
		return "an unknown process"
	}
	return strings.Join(holders, ", ")
}

// startHostProcess starts a program that is not one of the rig's binaries.
func (c *Cluster) startHostProcess(name, bin string, args ...string) (*process, error) {
	p, err := startProcess(name, c.logDir, nil, bin, args...)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.procs = append(c.procs, p)
	c.mu.Unlock()
	return p, nil
}

// stopNode removes what the node left on the host, after Stop killed the
// rig's processes.
func (c *Cluster) stopNode() {
	n := c.node
	if n == nil || n.lock == nil {
		return
	}
	if err := cleanupNode(c.logf); err != nil {
		c.logf("rig: cleaning up the node: %v", err)
	}
	if os.Getenv("WFE_RIG_KEEP") != "1" {
		_ = os.RemoveAll(n.dir)
	}
	_ = n.lock.Close()
}

// makeNodeCgroups creates nodeCgroup in every hierarchy (cpuset needs its
// cpus and mems copied from the parent before a task can join).
func makeNodeCgroups() error {
	hs, err := cgroupHierarchies()
	if err != nil {
		return err
	}
	for _, h := range hs {
		d := filepath.Join(h, nodeCgroup)
		if err := os.Mkdir(d, 0o755); err != nil && !os.IsExist(err) {
			return fmt.Errorf("creating cgroup %s: %w", d, err)
		}
		for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
			if b, err := os.ReadFile(filepath.Join(h, f)); err == nil {
				if err := os.WriteFile(filepath.Join(d, f), b, 0o644); err != nil {
					return fmt.Errorf("initialising %s/%s: %w", d, f, err)
				}
			}
		}
	}
	return nil
}

// cgroupHierarchies lists the mounted cgroup hierarchies under cgroupRoot.
func cgroupHierarchies() ([]string, error) {
	entries, err := os.ReadDir(cgroupRoot)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		d := filepath.Join(cgroupRoot, e.Name())
		if e.IsDir() && fileExists(filepath.Join(d, "cgroup.procs")) {
			out = append(out, d)
		}
	}
	return out, nil
}

func ipCmd(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// makeBridge creates the node's bridge with the node's address; its alias
// names the node directory.
func makeBridge(dir string) error {
	for _, args := range [][]string{
		{"link", "add", nodeBridge, "type", "bridge"},
		{"link", "set", "dev", nodeBridge, "alias", dir},
		{"addr", "add", NodeIP + "/24", "dev", nodeBridge},
		{"link", "set", "dev", nodeBridge, "up"},
	} {
		if err := ipCmd(args...); err != nil {
			return err
		}
	}
	return nil
}

// cleanupNode removes every trace of a node tier: it kills the processes in
// nodeCgroup (containerd, the kubelet, shims, containers: with them goes
// their private mount namespace with every mount, netns and overlay),
// removes nodeCgroup from every hierarchy, deletes the bridge and the node
// directory its alias names. It is a no-op on a clean host.
func cleanupNode(logf func(string, ...any)) error {
	var errs []error
	killed, err := killCgroup(filepath.Join(cgroupRoot, "pids", nodeCgroup))
	if err != nil {
		errs = append(errs, err)
	}
	hs, err := cgroupHierarchies()
	if err != nil {
		errs = append(errs, err)
	}
	removed := 0
	for _, h := range hs {
		n, err := removeCgroupTree(filepath.Join(h, nodeCgroup))
		removed += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	leftDir := ""
	if b, err := os.ReadFile(filepath.Join("/sys/class/net", nodeBridge, "ifalias")); err == nil {
		leftDir = strings.TrimSpace(string(b))
		if err := ipCmd("link", "del", nodeBridge); err != nil {
			errs = append(errs, err)
		}
	}
	if leftDir != "" && filepath.IsAbs(leftDir) && fileExists(filepath.Join(leftDir, nodeMarker)) {
		if err := os.RemoveAll(leftDir); err != nil {
			errs = append(errs, err)
		}
	}
	if killed+removed > 0 || leftDir != "" {
		logf("rig: node cleanup: killed %d processes, removed %d cgroups, bridge of %q", killed, removed, leftDir)
	}
	return errors.Join(errs...)
}

// killCgroup SIGKILLs every process in the cgroup tree at dir until it is
// empty; it returns how many it killed.
func killCgroup(dir string) (int, error) {
	if !fileExists(dir) {
		return 0, nil
	}
	killed := map[int]bool{}
	self := os.Getpid()
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		pids := cgroupPids(dir)
		for _, pid := range pids {
			if pid == self {
				return false, fmt.Errorf("the test process itself is in %s", dir)
			}
			_ = syscall.Kill(pid, syscall.SIGKILL)
			killed[pid] = true
		}
		return len(pids) == 0, nil
	})
	if err != nil {
		return len(killed), fmt.Errorf("emptying cgroup %s (left: %v): %w", dir, cgroupPids(dir), err)
	}
	return len(killed), nil
}

// cgroupPids lists the processes of the cgroup tree at dir.
func cgroupPids(dir string) []int {
	var pids []int
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "cgroup.procs" {
			return nil
		}
		b, _ := os.ReadFile(p)
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				pids = append(pids, pid)
			}
		}
		return nil
	})
	return pids
}

// removeCgroupTree removes the cgroup at dir and its children, deepest
// first (a cgroup whose last task just died may be busy for a moment).
func removeCgroupTree(dir string) (int, error) {
	if !fileExists(dir) {
		return 0, nil
	}
	var dirs []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	for _, d := range dirs {
		err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
			err := syscall.Rmdir(d)
			return err == nil || errors.Is(err, syscall.ENOENT), nil
		})
		if err != nil {
			return 0, fmt.Errorf("removing cgroup %s: %w", d, err)
		}
	}
	return len(dirs), nil
}

// writeNodeFiles writes the configuration of containerd, CNI and the
// kubelet, and the scripts that start them.
func (c *Cluster) writeNodeFiles() error {
	n := c.node
	d := n.dir
	ctrdDir := filepath.Join(d, "containerd")
	for _, sub := range []string{
		filepath.Join(ctrdDir, "root"), filepath.Join(ctrdDir, "state"),
		filepath.Join(ctrdDir, "certs.d", c.RegistryHost),
		filepath.Join(d, "cni", "net.d"), filepath.Join(d, "cni", "ipam"),
		filepath.Join(d, "kubelet"), filepath.Join(d, "kubelet-certs"), filepath.Join(d, "sysctl"),
	} {
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return err
		}
	}
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	files := map[string]string{}
	files[filepath.Join(ctrdDir, "config.toml")] = fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.internal.v1.tracing", "io.containerd.tracing.processor.v1.otlp"]

[grpc]
  address = %q

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = %q
  # No CAP_SYS_RESOURCE on these VMs: no negative oom_score_adj.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = %q
    conf_dir = %q
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = %q
`, filepath.Join(ctrdDir, "root"), filepath.Join(ctrdDir, "state"), filepath.Join(ctrdDir, "containerd.sock"),
		c.Images[ImagePause], cniBinDir, filepath.Join(d, "cni", "net.d"), filepath.Join(ctrdDir, "certs.d"))
	files[filepath.Join(ctrdDir, "certs.d", c.RegistryHost, "hosts.toml")] = fmt.Sprintf(`server = "http://%[1]s"

[host."http://%[1]s"]
  capabilities = ["pull", "resolve"]
`, c.RegistryHost)
	files[filepath.Join(d, "cni", "net.d", "10-wfe-rig.conflist")] = fmt.Sprintf(`{
  "cniVersion": "1.0.0",
  "name": "wfe-rig",
  "plugins": [{
    "type": "bridge",
    "bridge": %q,
    "isGateway": false,
    "ipMasq": false,
    "ipam": {
      "type": "host-local",
      "ranges": [[{"subnet": %q, "rangeStart": "10.217.0.10", "gateway": %q}]],
      "dataDir": %q
    }
  }]
}
`, nodeBridge, nodeSubnet, NodeIP, filepath.Join(d, "cni", "ipam"))
	files[filepath.Join(d, "resolv.conf")] = "nameserver 127.0.0.1\noptions ndots:1\n"
	files[filepath.Join(d, "kubelet-config.yaml")] = fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: %s
port: %d
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: %d
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: %q}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://%s
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /%s
cgroupsPerQOS: true
enforceNodeAllocatable: []
oomScoreAdj: 0
failSwapOn: false
protectKernelDefaults: true
resolvConf: %q
evictionHard: {}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
localStorageCapacityIsolation: false
serializeImagePulls: false
maxPods: 50
clusterDomain: cluster.local
podLogsDir: %q
`, NodeIP, ports[0], ports[1], n.clientCA, filepath.Join(ctrdDir, "containerd.sock"), nodeCgroup,
		filepath.Join(d, "resolv.conf"), filepath.Join(d, "pod-logs"))

	// The private mount namespace of containerd and the kubelet: fresh
	// tmpfs on /run (shim sockets, runc state, /run/netns), /var/lib (CNI
	// cache) and /var/log, and the kernel defaults the kubelet checks.
	var ns strings.Builder
	ns.WriteString("set -o errexit -o nounset -o pipefail\n")
	ns.WriteString("mount -t tmpfs -o mode=0755,size=256m wfe-rig-run /run\n")
	ns.WriteString("mount -t tmpfs -o mode=0755,size=64m wfe-rig-var-lib /var/lib\n")
	ns.WriteString("mount -t tmpfs -o mode=0755,size=64m wfe-rig-var-log /var/log\n")
	keys := make([]string, 0, len(kernelDefaults))
	for k := range kernelDefaults {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := filepath.Join(d, "sysctl", strings.ReplaceAll(k, "/", "."))
		files[f] = kernelDefaults[k] + "\n"
		fmt.Fprintf(&ns, "if [ -e /proc/sys/%[2]s ]; then mount --bind %[1]q /proc/sys/%[2]s; fi\n", f, k)
	}
	fmt.Fprintf(&ns, "exec containerd --config %q\n", filepath.Join(ctrdDir, "config.toml"))
	files[filepath.Join(d, "namespace.sh")] = ns.String()
	join := fmt.Sprintf("echo $$ > %q\n", filepath.Join(cgroupRoot, "pids", nodeCgroup, "cgroup.procs"))
	files[filepath.Join(d, "containerd.sh")] = "set -o errexit -o nounset -o pipefail\n" + join +
		fmt.Sprintf("exec unshare --mount --propagation private /bin/bash %q\n", filepath.Join(d, "namespace.sh"))
	kubeconfig := filepath.Join(d, "kubelet.kubeconfig")
	if err := writeKubeconfig(kubeconfig, c.Host, "system:node:"+RealNodeName, n.token); err != nil {
		return err
	}
	// No /usr/sbin on the kubelet's PATH: without iptables it leaves the
	// host's firewall alone (it would add KUBE-FIREWALL and canary chains).
	files[filepath.Join(d, "kubelet.sh")] = "set -o errexit -o nounset -o pipefail\n" + join +
		"export PATH=/usr/local/bin:/usr/bin\n" +
		fmt.Sprintf("exec nsenter --target \"$1\" --mount -- %q --config=%q --kubeconfig=%q --hostname-override=%s --node-ip=%s --node-labels=%s=real --root-dir=%q --cert-dir=%q --v=1\n",
			filepath.Join(c.BinDir, "kubelet"), filepath.Join(d, "kubelet-config.yaml"), kubeconfig, RealNodeName, NodeIP,
			RealNodeLabel, filepath.Join(d, "kubelet"), filepath.Join(d, "kubelet-certs"))
	for p, content := range files {
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}
