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
	"fmt"
	"strings"
	"syscall"
	"time"
)

// Fault injection into the control plane, for the reliability suite
// (test/reliability). Each method acts on one component started by the rig
// ("etcd", "kube-apiserver", ...); the cluster's clients and the
// controllers' kubeconfigs stay valid across a restart (same port, same
// certificates, same token file and service-account key).

// component returns the running component called name.
func (c *Cluster) component(name string) (*process, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.procs {
		if p.name == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("no component %q in the rig", name)
}

// RestartAPIServer kills kube-apiserver (SIGKILL), leaves it down for
// down, starts it again with the same flags and waits until it is ready.
func (c *Cluster) RestartAPIServer(ctx context.Context, down time.Duration) error {
	p, err := c.component("kube-apiserver")
	if err != nil {
		return err
	}
	p.kill()
	if down > 0 {
		select {
		case <-time.After(down):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := p.restartSame(); err != nil {
		return err
	}
	return c.waitAPIServerReady(ctx)
}

// PauseEtcd stops etcd with SIGSTOP: the API server's requests hang until
// ResumeEtcd.
func (c *Cluster) PauseEtcd() error { return c.signalComponent("etcd", syscall.SIGSTOP) }

// ResumeEtcd resumes etcd with SIGCONT after PauseEtcd.
func (c *Cluster) ResumeEtcd() error { return c.signalComponent("etcd", syscall.SIGCONT) }

func (c *Cluster) signalComponent(name string, sig syscall.Signal) error {
	p, err := c.component(name)
	if err != nil {
		return err
	}
	if done, err := p.exited(); done {
		return fmt.Errorf("%s has exited: %v", name, err)
	}
	p.signal(sig)
	return nil
}

// restartSame starts the process again with the binary, arguments and
// environment of its last start; it must have exited.
func (p *process) restartSame() error {
	if done, _ := p.exited(); !done {
		return fmt.Errorf("%s is still running", p.name)
	}
	p.mu.Lock()
	bin, args, env := p.bin, p.args, p.env
	p.mu.Unlock()
	return p.start(env, bin, args...)
}

// EtcdURL returns the client URL of the rig's etcd (e.g. for a watch of
// the raw history through etcd's JSON gateway, /v3/watch).
func (c *Cluster) EtcdURL() (string, error) {
	p, err := c.component("etcd")
	if err != nil {
		return "", err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, a := range p.args {
		if v, ok := strings.CutPrefix(a, "--advertise-client-urls="); ok {
			return v, nil
		}
	}
	return "", fmt.Errorf("etcd was started without --advertise-client-urls")
}

// Pause stops the controller with SIGSTOP (a process frozen by the
// scheduler, a long GC pause): its leases and watches age until Resume.
func (ctl *Controller) Pause() { ctl.p.signal(syscall.SIGSTOP) }

// Resume resumes a paused controller with SIGCONT.
func (ctl *Controller) Resume() { ctl.p.signal(syscall.SIGCONT) }
