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

// Command rigctl starts the rig's cluster in the background for a human and
// stops it:
//
//	rigctl up [-tier e2e|integration|node] [-state DIR] [-config DIR] [-controller]
//	rigctl down [-state DIR]
//	rigctl status [-state DIR]
//	rigctl env [-state DIR]
//	rigctl node-check
//
// "up" starts a detached supervisor ("rigctl serve") that owns every process
// of the cluster (they die with it), waits until the cluster is ready and
// prints the shell exports (KUBECONFIG, WFE_RIG_REGISTRY). "down" sends
// SIGTERM to the supervisor and waits for it. The state directory (default
// ${WFE_RIG_CACHE:-~/.cache/workflowexecution}/cluster) holds the pid file,
// the env file, the supervisor's log and the cluster (kubeconfig, logs/).
// hack/rig/cluster-up.sh and cluster-down.sh wrap it. "node-check" prints
// why the node tier (real pods) cannot run on this machine and exits 3, or
// exits 0 (it installs the tier's packages when they are missing).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"kubernaut.ai/workflowexecution/test/rig"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	cmd, args := os.Args[1], os.Args[2:]
	fs := flag.NewFlagSet("rigctl "+cmd, flag.ExitOnError)
	state := fs.String("state", defaultStateDir(), "state directory")
	tier := fs.String("tier", "e2e", "cluster tier: e2e, integration or node (real pods)")
	config := fs.String("config", "", "directory applied as our config (default <repo>/config)")
	timeout := fs.Duration("timeout", 30*time.Minute, "how long 'up' waits (includes building binaries the first time)")
	controller := fs.Bool("controller", false, "also run our controller (built from ./cmd/controller) as its ServiceAccount")
	_ = fs.Parse(args)

	var err error
	switch cmd {
	case "up":
		err = up(*state, *tier, *config, *controller, *timeout)
	case "serve":
		err = serve(*state, *tier, *config, *controller)
	case "down":
		err = down(*state)
	case "status":
		err = status(*state)
	case "node-check":
		if why := rig.NodeCheck(context.Background()); why != "" {
			fmt.Println(why)
			os.Exit(3)
		}
	case "env":
		var b []byte
		if b, err = os.ReadFile(envFile(*state)); err == nil {
			fmt.Print(string(b))
		}
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rigctl:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: rigctl up|down|status|env|node-check [-state DIR] [-tier e2e|integration|node] [-config DIR]")
	os.Exit(2)
}

func defaultStateDir() string {
	if d := os.Getenv("WFE_RIG_STATE"); d != "" {
		return d
	}
	base := os.Getenv("WFE_RIG_CACHE")
	if base == "" {
		if x := os.Getenv("XDG_CACHE_HOME"); x != "" {
			base = filepath.Join(x, "workflowexecution")
		} else if h, err := os.UserHomeDir(); err == nil {
			base = filepath.Join(h, ".cache", "workflowexecution")
		} else {
			base = filepath.Join(os.TempDir(), "workflowexecution")
		}
	}
	return filepath.Join(base, "cluster")
}

func pidFile(state string) string    { return filepath.Join(state, "rigctl.pid") }
func envFile(state string) string    { return filepath.Join(state, "env") }
func errFile(state string) string    { return filepath.Join(state, "error") }
func logFile(state string) string    { return filepath.Join(state, "rigctl.log") }
func clusterDir(state string) string { return filepath.Join(state, "cluster") }

// running returns the supervisor's pid if it is alive.
func running(state string) (int, bool) {
	b, err := os.ReadFile(pidFile(state))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	if err := syscall.Kill(pid, 0); err != nil || zombie(pid) {
		return pid, false
	}
	// A recycled pid would not be ours: check the command line.
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return pid, len(cmdline) == 0 || strings.Contains(string(cmdline), "rigctl")
}

func up(state, tier, config string, controller bool, timeout time.Duration) error {
	if pid, ok := running(state); ok {
		fmt.Fprintf(os.Stderr, "rigctl: cluster already running (pid %d)\n", pid)
		return printEnv(state)
	}
	if err := os.MkdirAll(state, 0o755); err != nil {
		return err
	}
	for _, f := range []string{pidFile(state), envFile(state), errFile(state)} {
		_ = os.Remove(f)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	log, err := os.OpenFile(logFile(state), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	args := []string{"serve", "-state", state, "-tier", tier}
	if controller {
		args = append(args, "-controller")
	}
	if config != "" {
		if config, err = filepath.Abs(config); err != nil {
			return err
		}
		args = append(args, "-config", config)
	}
	cmd := exec.Command(self, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the supervisor: %w", err)
	}
	pid := cmd.Process.Pid
	_ = cmd.Process.Release()
	fmt.Fprintf(os.Stderr, "rigctl: starting the %s cluster (supervisor pid %d, log %s)\n", tier, pid, logFile(state))
	err = wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		if b, err := os.ReadFile(errFile(state)); err == nil {
			return false, errors.New(string(b))
		}
		if _, err := os.Stat(envFile(state)); err == nil {
			return true, nil
		}
		if syscall.Kill(pid, 0) != nil {
			return false, fmt.Errorf("the supervisor exited; see %s", logFile(state))
		}
		return false, nil
	})
	if err != nil {
		_ = syscall.Kill(pid, syscall.SIGTERM)
		return err
	}
	return printEnv(state)
}

func printEnv(state string) error {
	b, err := os.ReadFile(envFile(state))
	if err != nil {
		return err
	}
	fmt.Print(string(b))
	return nil
}

// serve runs the cluster until SIGTERM or SIGINT.
func serve(state, tier, config string, controller bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer stop()
	fail := func(err error) error {
		_ = os.WriteFile(errFile(state), []byte(err.Error()), 0o644)
		return err
	}
	if err := os.WriteFile(pidFile(state), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return fail(err)
	}
	defer os.Remove(pidFile(state))
	opts := rig.Options{Tier: rig.E2E, ConfigDir: config, Dir: clusterDir(state), Logf: func(f string, a ...any) {
		fmt.Printf(time.Now().Format("15:04:05.000 ")+f+"\n", a...)
	}}
	switch tier {
	case "integration":
		opts.Tier = rig.Integration
	case "node":
		opts.Tier = rig.Node
	}
	// A fresh cluster every time: no etcd data from an earlier run.
	if err := os.RemoveAll(opts.Dir); err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return fail(err)
	}
	startCtx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	c, err := rig.Start(startCtx, opts)
	cancel()
	if err != nil {
		return fail(err)
	}
	defer c.Stop()
	env := fmt.Sprintf("export KUBECONFIG=%s\n", c.KubeconfigPath)
	if c.RegistryHost != "" {
		env += fmt.Sprintf("export WFE_RIG_REGISTRY=%s\n", c.RegistryHost)
	}
	if img := c.Images[rig.ImageBusybox]; img != "" {
		// Node tier: steps really run; this image has a shell and busybox.
		env += fmt.Sprintf("export WFE_RIG_STEP_IMAGE=%s\n", img)
	}
	if controller {
		ctlCtx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		ctl, err := c.RunController(ctlCtx, rig.ControllerOptions{Args: []string{"--disable-ha"}})
		if err == nil {
			err = ctl.WaitReady(ctlCtx)
		}
		cancel()
		if err != nil {
			return fail(fmt.Errorf("starting the controller: %w", err))
		}
		env += fmt.Sprintf("export WFE_METRICS_URL=%s\n", ctl.MetricsURL())
		env += fmt.Sprintf("# controller log: %s\n", ctl.LogPath())
	}
	env += fmt.Sprintf("# cluster logs: %s\n", filepath.Join(c.Dir, "logs"))
	if err := os.WriteFile(envFile(state), []byte(env), 0o644); err != nil {
		return fail(err)
	}
	fmt.Printf("rig: %s cluster up in %s\n%s", opts.Tier, c.StartDuration.Round(time.Millisecond), env)
	<-ctx.Done()
	fmt.Println("rig: stopping")
	_ = os.Remove(envFile(state))
	return nil
}

func down(state string) error {
	// A supervisor that was killed may have left a node tier behind (its
	// shims and containers outlive it): removed once no supervisor runs.
	cleanup := func() error {
		// The lock goes with the supervisor's process; give it a moment.
		return rig.CleanupNode(func(f string, a ...any) { fmt.Fprintf(os.Stderr, "rigctl: "+f+"\n", a...) }, 10*time.Second)
	}
	pid, ok := running(state)
	if !ok {
		fmt.Fprintln(os.Stderr, "rigctl: no cluster running")
		return cleanup()
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("signalling the supervisor (pid %d): %w", pid, err)
	}
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 60*time.Second, true, func(context.Context) (bool, error) {
		return syscall.Kill(pid, 0) != nil || zombie(pid), nil
	})
	if err != nil {
		return fmt.Errorf("the supervisor (pid %d) did not exit: %w", pid, err)
	}
	fmt.Fprintln(os.Stderr, "rigctl: cluster stopped")
	return cleanup()
}

// zombie reports whether pid has exited but was not reaped yet.
func zombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// "pid (comm) state ...": comm may hold spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && i+2 < len(s) && s[i+2] == 'Z'
}

func status(state string) error {
	pid, ok := running(state)
	if !ok {
		fmt.Println("stopped")
		return nil
	}
	fmt.Printf("running (supervisor pid %d)\n", pid)
	return printEnv(state)
}
