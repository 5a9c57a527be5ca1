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
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	tektonclient "github.com/tektoncd/pipeline/pkg/client/clientset/versioned"
	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Tier selects how much of a cluster Start brings up.
type Tier int

const (
	// Integration runs etcd and kube-apiserver only: objects are stored and
	// watched, but nothing runs them (no pods, no garbage collection, no
	// Tekton controller).
	Integration Tier = iota
	// E2E adds kube-controller-manager, kube-scheduler, KWOK with one fake
	// node (simulated pods, see kwok-stages.yaml), the Tekton controller and
	// resolvers, and an in-process OCI registry for bundles.
	E2E
	// Node is E2E plus a real node: containerd, runc, CNI and a kubelet
	// (node.go) that run Tekton's pods for real, with Tekton's own images
	// (built with ko) and a busybox step image in the registry. Linux, root.
	Node
)

func (t Tier) String() string {
	switch t {
	case E2E:
		return "e2e"
	case Node:
		return "node"
	}
	return "integration"
}

// hasE2E reports whether t includes the E2E tier's components.
func (t Tier) hasE2E() bool { return t == E2E || t == Node }

// Names used by the rig.
const (
	// SystemNamespace is where our controller, its ServiceAccount and its
	// ConfigMaps live (config/).
	SystemNamespace = "kubernaut-system"
	// ExecutionNamespace is where our PipelineRuns run (config/).
	ExecutionNamespace = "kubernaut-workflows"
	// ControllerServiceAccount is the identity StartController runs as.
	ControllerServiceAccount = "workflowexecution-controller"
	// NodeName is the fake node of the E2E tier.
	NodeName = "kwok-node-0"
	// KubernetesVersion is the version of the rig's control plane.
	KubernetesVersion = "v1.35.8"
)

// Options configure Start.
type Options struct {
	// Tier is Integration (default), E2E or Node.
	Tier Tier
	// SkipTektonCRDs leaves Tekton's CRDs out (e.g. to check that the
	// controller refuses to start without Tekton). Only for Integration.
	SkipTektonCRDs bool
	// SkipConfig leaves our config/ directory out.
	SkipConfig bool
	// ConfigDir is the directory applied as our config (every document but
	// Deployments). Default: <repo>/config.
	ConfigDir string
	// Dir holds data, certificates, kubeconfigs and logs. Default: a new
	// temporary directory, removed by Stop unless WFE_RIG_KEEP=1.
	Dir string
	// Logf receives progress messages (default: discarded).
	Logf func(format string, args ...any)
	// APIServerArgs are appended to kube-apiserver's flags.
	APIServerArgs []string
}

// Cluster is a running rig.
type Cluster struct {
	// Dir holds data, kubeconfigs and logs (<Dir>/logs/<component>.log).
	Dir string
	// KubeconfigPath is an admin kubeconfig (system:masters).
	KubeconfigPath string
	// Host is the API server URL.
	Host string
	// RESTConfig is the admin REST config.
	RESTConfig *rest.Config
	// Kube, Tekton and Dynamic are admin clients.
	Kube    kubernetes.Interface
	Tekton  tektonclient.Interface
	Dynamic dynamic.Interface
	// RegistryHost is "127.0.0.1:PORT" of the in-process OCI registry (E2E).
	RegistryHost string
	// Images are the node tier's images in the registry (Node tier only).
	Images NodeImages
	// BinDir holds the rig's binaries.
	BinDir string
	// RepoRoot is the root of our module.
	RepoRoot string
	// StartDuration is how long Start took (without building binaries).
	StartDuration time.Duration

	tier       Tier
	opts       Options
	logDir     string
	ownsDir    bool
	adminToken string
	saKeyPath  string
	mapper     *restmapper.DeferredDiscoveryRESTMapper

	mu          sync.Mutex
	procs       []*process
	controllers []*Controller
	registry    *http.Server
	stopOnce    sync.Once
	node        *node
}

// Tier returns the tier the cluster was started with.
func (c *Cluster) Tier() Tier { return c.tier }

// StartForTest starts a cluster for t (building binaries first if needed),
// fails t if it cannot, and stops it when t ends, printing the tail of every
// component's log first if t failed.
func StartForTest(t testing.TB, opts Options) *Cluster {
	t.Helper()
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	if _, err := EnsureBinaries(context.Background(), opts.Tier, opts.Logf); err != nil {
		t.Fatalf("building the rig: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("starting the %s rig: %v", opts.Tier, err)
	}
	t.Logf("rig: %s tier up in %s (logs in %s)", c.tier, c.StartDuration.Round(time.Millisecond), c.logDir)
	t.Cleanup(func() {
		if t.Failed() {
			var b strings.Builder
			c.DumpLogs(&b, 60)
			t.Log(b.String())
		}
		c.Stop()
	})
	return c
}

// Start starts a cluster of opts.Tier. Call Stop when done.
func Start(ctx context.Context, opts Options) (_ *Cluster, retErr error) {
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	binDir, err := EnsureBinaries(ctx, opts.Tier, logf)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	c := &Cluster{tier: opts.Tier, opts: opts, BinDir: binDir, RepoRoot: root, Dir: opts.Dir}
	if c.Dir == "" {
		if c.Dir, err = os.MkdirTemp("", "wfe-rig-"); err != nil {
			return nil, fmt.Errorf("creating the rig directory: %w", err)
		}
		c.ownsDir = true
	}
	defer func() {
		if retErr != nil {
			var b strings.Builder
			c.DumpLogs(&b, 30)
			c.Stop()
			retErr = fmt.Errorf("%w\n%s", retErr, b.String())
		}
	}()
	c.logDir = filepath.Join(c.Dir, "logs")
	if err := os.MkdirAll(c.logDir, 0o755); err != nil {
		return nil, err
	}
	if err := c.startControlPlane(ctx); err != nil {
		return nil, err
	}
	logf("rig: apiserver ready after %s", time.Since(start).Round(time.Millisecond))
	if c.tier.hasE2E() {
		err = c.startE2E(ctx)
	} else {
		err = c.installIntegration(ctx)
	}
	if err != nil {
		return nil, err
	}
	c.StartDuration = time.Since(start)
	return c, nil
}

// startControlPlane starts etcd and kube-apiserver and builds the clients.
func (c *Cluster) startControlPlane(ctx context.Context) error {
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	etcdPort, peerPort, apiPort := ports[0], ports[1], ports[2]
	if err := c.writeCredentials(); err != nil {
		return err
	}
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", etcdPort)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	if _, err := c.startProcess("etcd", nil, "etcd",
		"--name=rig",
		"--data-dir="+filepath.Join(c.Dir, "etcd"),
		"--listen-client-urls="+etcdURL,
		"--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL,
		"--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=rig="+peerURL,
		"--unsafe-no-fsync=true",
		"--log-level=warn",
	); err != nil {
		return err
	}
	certDir := filepath.Join(c.Dir, "apiserver-certs")
	args := []string{
		"--etcd-servers=" + etcdURL,
		"--cert-dir=" + certDir,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + itoa(apiPort),
		"--service-cluster-ip-range=10.96.0.0/16",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + c.saKeyPath,
		"--service-account-signing-key-file=" + c.saKeyPath,
		"--token-auth-file=" + filepath.Join(c.Dir, "tokens.csv"),
		"--authorization-mode=Node,RBAC",
		"--allow-privileged=true",
		"--max-requests-inflight=1000",
		"--max-mutating-requests-inflight=500",
		"--profiling=false",
	}
	if c.tier == Node {
		nodeArgs, err := c.prepareNode()
		if err != nil {
			return err
		}
		args = append(args, nodeArgs...)
	}
	args = append(args, c.opts.APIServerArgs...)
	if _, err := c.startProcess("kube-apiserver", nil, "kube-apiserver", args...); err != nil {
		return err
	}
	c.Host = fmt.Sprintf("https://127.0.0.1:%d", apiPort)
	c.KubeconfigPath = filepath.Join(c.Dir, "admin.kubeconfig")
	if err := writeKubeconfig(c.KubeconfigPath, c.Host, "admin", c.adminToken); err != nil {
		return err
	}
	if err := c.buildClients(); err != nil {
		return err
	}
	return c.waitAPIServerReady(ctx)
}

// writeCredentials writes the service-account signing key and the token file
// of the admin user.
func (c *Cluster) writeCredentials() error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("generating the service-account key: %w", err)
	}
	c.saKeyPath = filepath.Join(c.Dir, "sa.key")
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(c.saKeyPath, pemKey, 0o600); err != nil {
		return err
	}
	tok := make([]byte, 24)
	if _, err := rand.Read(tok); err != nil {
		return err
	}
	c.adminToken = hex.EncodeToString(tok)
	line := fmt.Sprintf("%s,admin,admin,\"system:masters\"\n", c.adminToken)
	return os.WriteFile(filepath.Join(c.Dir, "tokens.csv"), []byte(line), 0o600)
}

// writeKubeconfig writes a token kubeconfig for host (TLS not verified: the
// serving certificate is self-signed by the API server).
func writeKubeconfig(path, host, user, token string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["rig"] = &clientcmdapi.Cluster{Server: host, InsecureSkipTLSVerify: true}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts["rig"] = &clientcmdapi.Context{Cluster: "rig", AuthInfo: user}
	cfg.CurrentContext = "rig"
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("writing kubeconfig %s: %w", path, err)
	}
	return nil
}

func (c *Cluster) buildClients() error {
	cfg, err := clientcmd.BuildConfigFromFlags("", c.KubeconfigPath)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = 500, 1000
	c.RESTConfig = cfg
	if c.Kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return err
	}
	if c.Tekton, err = tektonclient.NewForConfig(cfg); err != nil {
		return err
	}
	if c.Dynamic, err = dynamic.NewForConfig(cfg); err != nil {
		return err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return err
	}
	c.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	return nil
}

func (c *Cluster) waitAPIServerReady(ctx context.Context) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		if err := c.checkProcesses(); err != nil {
			return false, err
		}
		_, last = c.Kube.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for kube-apiserver /readyz: %w (last: %v)", err, last)
	}
	return nil
}

// checkProcesses fails if a component has exited.
func (c *Cluster) checkProcesses() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.procs {
		if done, err := p.exited(); done {
			return fmt.Errorf("%s exited: %v", p.name, err)
		}
	}
	return nil
}

// startProcess starts the rig binary bin as component name.
func (c *Cluster) startProcess(name string, env []string, bin string, args ...string) (*process, error) {
	p, err := startProcess(name, c.logDir, env, filepath.Join(c.BinDir, bin), args...)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.procs = append(c.procs, p)
	c.mu.Unlock()
	return p, nil
}

// installIntegration installs Tekton's PipelineRun and TaskRun CRDs and our
// config.
func (c *Cluster) installIntegration(ctx context.Context) error {
	if !c.opts.SkipTektonCRDs {
		crds, err := tektonCRDs(ctx, false)
		if err != nil {
			return err
		}
		if err := c.Apply(ctx, crds...); err != nil {
			return fmt.Errorf("installing Tekton CRDs: %w", err)
		}
	}
	return c.installConfig(ctx)
}

// installConfig applies our config/ (all but Deployments).
func (c *Cluster) installConfig(ctx context.Context) error {
	if c.opts.SkipConfig {
		return nil
	}
	dir := c.opts.ConfigDir
	if dir == "" {
		dir = filepath.Join(c.RepoRoot, "config")
		if !fileExists(dir) {
			c.logf("rig: %s does not exist: not installing our config", dir)
			return nil
		}
	}
	if err := c.ApplyDir(ctx, dir, "Deployment"); err != nil {
		return fmt.Errorf("installing %s: %w", dir, err)
	}
	return nil
}

func (c *Cluster) logf(format string, args ...any) {
	if c.opts.Logf != nil {
		c.opts.Logf(format, args...)
	}
}

// startE2E starts the rest of the E2E tier, in parallel where possible.
func (c *Cluster) startE2E(ctx context.Context) error {
	srv, host, err := startRegistry()
	if err != nil {
		return err
	}
	c.registry, c.RegistryHost = srv, host

	if c.tier == Node {
		// The images first: the Tekton controller is started with their
		// references and the node pulls its sandbox image.
		if c.Images, err = EnsureNodeImages(ctx, c.BinDir, c.RegistryHost, c.logf); err != nil {
			return err
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return c.startKubeControllers() })
	g.Go(func() error { return c.startKWOK(gctx) })
	if c.tier == Node {
		g.Go(func() error { return c.startNode(gctx) })
	}
	g.Go(func() error {
		if err := c.installTekton(gctx); err != nil {
			return err
		}
		return c.startTekton()
	})
	g.Go(func() error { return c.installConfig(gctx) })
	if err := g.Wait(); err != nil {
		return err
	}
	// Pods need the namespace's default ServiceAccount (made by
	// kube-controller-manager) and a Ready node.
	waitNS := []string{metav1.NamespaceDefault}
	if _, err := c.Kube.CoreV1().Namespaces().Get(ctx, ExecutionNamespace, metav1.GetOptions{}); err == nil {
		waitNS = append(waitNS, ExecutionNamespace)
	}
	for _, ns := range waitNS {
		if err := c.WaitDefaultServiceAccount(ctx, ns); err != nil {
			return err
		}
	}
	if err := c.waitResolversLeading(ctx); err != nil {
		return err
	}
	if c.tier == Node {
		if err := c.waitRealNodeReady(ctx); err != nil {
			return err
		}
	}
	return c.waitNodeReady(ctx)
}

// tektonResolvers is the number of resolvers cmd/resolvers runs (git, hub,
// bundles, cluster, http).
const tektonResolvers = 5

// waitResolversLeading waits until every resolver holds its leader lease.
// When a resolver becomes leader it re-enqueues every ResolutionRequest
// without its type filter (Tekton v1.15.0), so a request created before that
// may be failed by the wrong resolver ("missing required http resolver
// params: url").
func (c *Cluster) waitResolversLeading(ctx context.Context) error {
	var held []string
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		if err := c.checkProcesses(); err != nil {
			return false, err
		}
		leases, err := c.Kube.CoordinationV1().Leases(TektonResolversNamespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		held = held[:0]
		for _, l := range leases.Items {
			if l.Spec.HolderIdentity != nil && *l.Spec.HolderIdentity != "" {
				held = append(held, l.Name)
			}
		}
		return len(held) >= tektonResolvers, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the Tekton resolvers to lead (held: %v): %w", held, err)
	}
	c.logf("rig: resolver leases held: %v", held)
	return nil
}

// startKubeControllers starts kube-controller-manager and kube-scheduler.
func (c *Cluster) startKubeControllers() error {
	kc := "--kubeconfig=" + c.KubeconfigPath
	common := []string{kc,
		"--authentication-kubeconfig=" + c.KubeconfigPath,
		"--authorization-kubeconfig=" + c.KubeconfigPath,
		"--leader-elect=false",
		"--secure-port=0",
	}
	kcm := append(append([]string(nil), common...),
		"--service-account-private-key-file="+c.saKeyPath,
		"--root-ca-file="+filepath.Join(c.Dir, "apiserver-certs", "apiserver.crt"),
		"--use-service-account-credentials=true",
		"--controllers=*,-node-ipam-controller,-cloud-node-lifecycle-controller,-service-lb-controller,-node-route-controller",
		"--concurrent-gc-syncs=20",
		"--kube-api-qps=200",
		"--kube-api-burst=400",
	)
	if _, err := c.startProcess("kube-controller-manager", nil, "kube-controller-manager", kcm...); err != nil {
		return err
	}
	sched := append(append([]string(nil), common...), "--kube-api-qps=200", "--kube-api-burst=400")
	_, err := c.startProcess("kube-scheduler", nil, "kube-scheduler", sched...)
	return err
}

// installTekton installs Tekton's CRDs, namespaces and ConfigMaps.
func (c *Cluster) installTekton(ctx context.Context) error {
	crds, err := tektonCRDs(ctx, true)
	if err != nil {
		return err
	}
	cfg, err := tektonConfig(ctx)
	if err != nil {
		return err
	}
	if err := c.Apply(ctx, append(crds, cfg...)...); err != nil {
		return fmt.Errorf("installing Tekton: %w", err)
	}
	return nil
}

// startTekton starts the Tekton controller and resolvers (no webhook: the
// rig's objects are valid by construction, and defaults are applied by the
// controller).
func (c *Cluster) startTekton() error {
	ports, err := freePorts(5)
	if err != nil {
		return err
	}
	kubeconfig := "KUBECONFIG=" + c.KubeconfigPath
	ctrlEnv := []string{kubeconfig,
		"SYSTEM_NAMESPACE=" + TektonNamespace,
		"KUBERNETES_MIN_VERSION=v1.28.0",
		"CONFIG_DEFAULTS_NAME=config-defaults",
		"CONFIG_LOGGING_NAME=config-logging",
		"CONFIG_OBSERVABILITY_NAME=config-observability",
		"CONFIG_FEATURE_FLAGS_NAME=feature-flags",
		"CONFIG_LEADERELECTION_NAME=config-leader-election-controller",
		"CONFIG_SPIRE=config-spire",
		"METRICS_DOMAIN=tekton.dev/pipeline",
		"PROBES_PORT=" + itoa(ports[0]),
		"METRICS_PROMETHEUS_PORT=" + itoa(ports[1]),
		"PROFILING_PORT=" + itoa(ports[2]),
	}
	img := "rig.invalid/tekton/%s:rig"
	ctrlArgs := []string{"-disable-ha"}
	for _, f := range []string{"entrypoint", "nop", "sidecarlogresults", "workingdirinit", "shell", "shell-image-win"} {
		flagName := f + "-image"
		if f == "shell-image-win" {
			flagName = f
		}
		ctrlArgs = append(ctrlArgs, "-"+flagName, fmt.Sprintf(img, f))
	}
	// The node tier runs the pods: real images (the last flag wins).
	for flagName, image := range map[string]string{
		"entrypoint-image": ImageEntrypoint, "nop-image": ImageNop, "workingdirinit-image": ImageWorkingDirInit,
		"sidecarlogresults-image": ImageSidecarLogResults, "shell-image": ImageBusybox,
	} {
		if ref := c.Images[image]; ref != "" {
			ctrlArgs = append(ctrlArgs, "-"+flagName, ref)
		}
	}
	if _, err := c.startProcess("tekton-controller", ctrlEnv, "tekton-controller", ctrlArgs...); err != nil {
		return err
	}
	resEnv := []string{kubeconfig,
		"SYSTEM_NAMESPACE=" + TektonResolversNamespace,
		"KUBERNETES_MIN_VERSION=v1.28.0",
		"CONFIG_LOGGING_NAME=config-logging",
		"CONFIG_OBSERVABILITY_NAME=config-observability",
		"CONFIG_FEATURE_FLAGS_NAME=feature-flags",
		"CONFIG_LEADERELECTION_NAME=config-leader-election-resolvers",
		"METRICS_DOMAIN=tekton.dev/resolution",
		"METRICS_PROMETHEUS_PORT=" + itoa(ports[3]),
		"PROFILING_PORT=" + itoa(ports[4]),
		"TEKTON_HUB_API=",
		"ARTIFACT_HUB_API=https://artifacthub.io/",
	}
	// The resolvers call sharedmain.MainWithConfig, which has no -disable-ha:
	// they elect a leader (immediately, on a fresh cluster).
	_, err = c.startProcess("tekton-resolvers", resEnv, "tekton-resolvers")
	return err
}

// WaitDefaultServiceAccount waits until kube-controller-manager has created
// the "default" ServiceAccount of ns (E2E tier; pods cannot be created
// before).
func (c *Cluster) WaitDefaultServiceAccount(ctx context.Context, ns string) error {
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		if err := c.checkProcesses(); err != nil {
			return false, err
		}
		_, err := c.Kube.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		return fmt.Errorf("waiting for the default ServiceAccount of %s: %w", ns, err)
	}
	return nil
}

// CreateNamespace creates namespace name and, in the E2E tier, waits for its
// default ServiceAccount.
func (c *Cluster) CreateNamespace(ctx context.Context, name string) error {
	_, err := c.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating namespace %s: %w", name, err)
	}
	if c.tier.hasE2E() {
		return c.WaitDefaultServiceAccount(ctx, name)
	}
	return nil
}

// PIDs returns the process ids of the running components, by name.
func (c *Cluster) PIDs() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for _, p := range c.procs {
		out[p.name] = p.pid()
	}
	for _, ctl := range c.controllers {
		if pid := ctl.p.pid(); pid > 0 {
			out[ctl.p.name] = pid
		}
	}
	return out
}

// LogPath returns the log file of component name (e.g. "kube-apiserver",
// "tekton-controller", "kwok", "controller").
func (c *Cluster) LogPath(name string) string {
	return filepath.Join(c.logDir, name+".log")
}

// DumpLogs writes the last n lines of every component's log to w.
func (c *Cluster) DumpLogs(w io.Writer, n int) {
	files, _ := filepath.Glob(filepath.Join(c.logDir, "*.log"))
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		fmt.Fprintf(w, "\n----- last %d lines of %s -----\n%s", n, f, tailLines(string(b), n))
	}
}

// Stop stops every component (controllers first, then the cluster, all with
// SIGKILL to their process groups) and removes Dir if Start created it
// (unless WFE_RIG_KEEP=1). It is idempotent.
func (c *Cluster) Stop() {
	c.stopOnce.Do(func() {
		c.mu.Lock()
		ctls := append([]*Controller(nil), c.controllers...)
		procs := append([]*process(nil), c.procs...)
		c.mu.Unlock()
		for _, ctl := range ctls {
			ctl.p.kill()
		}
		for i := len(procs) - 1; i >= 0; i-- {
			procs[i].kill()
		}
		c.stopNode()
		if c.registry != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = c.registry.Shutdown(ctx)
			cancel()
		}
		if c.ownsDir && os.Getenv("WFE_RIG_KEEP") != "1" {
			_ = os.RemoveAll(c.Dir)
		}
	})
}
