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
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is one child process of the rig: it runs in its own process group
// (so that its children die with it), dies with the test binary (Pdeathsig on
// Linux) and logs to a file.
type process struct {
	name    string
	logPath string

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	// bin, args and env of the last start, for restartSame (faults.go).
	bin  string
	args []string
	env  []string
}

// startProcess starts bin with args and env (appended to the environment of
// the test binary), logging stdout and stderr to <logDir>/<name>.log.
func startProcess(name, logDir string, env []string, bin string, args ...string) (*process, error) {
	p := &process{name: name, logPath: filepath.Join(logDir, name+".log")}
	if err := p.start(env, bin, args...); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *process) start(env []string, bin string, args ...string) error {
	logFile, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("opening log of %s: %w", p.name, err)
	}
	fmt.Fprintf(logFile, "=== rig: %s %s %q\n", time.Now().Format(time.RFC3339Nano), bin, args)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("starting %s: %w", p.name, err)
	}
	done := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.done, p.waitErr = cmd, done, nil
	p.bin, p.args, p.env = bin, args, env
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		logFile.Close()
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

// pid returns the process id of the current incarnation.
func (p *process) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// exited reports whether the process has exited, and how.
func (p *process) exited() (bool, error) {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	select {
	case <-done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return true, p.waitErr
	default:
		return false, nil
	}
}

// doneCh is closed when the current incarnation exits.
func (p *process) doneCh() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done
}

// signal sends sig to the whole process group.
func (p *process) signal(sig syscall.Signal) {
	pid := p.pid()
	if pid <= 0 {
		return
	}
	if err := syscall.Kill(-pid, sig); err != nil {
		// The group may be gone already; fall back to the leader.
		_ = syscall.Kill(pid, sig)
	}
}

// kill sends SIGKILL to the process group and waits for the leader to exit.
func (p *process) kill() {
	if done, _ := p.exited(); done {
		// Children of an exited leader may still live in its group.
		p.signal(syscall.SIGKILL)
		return
	}
	p.signal(syscall.SIGKILL)
	select {
	case <-p.doneCh():
	case <-time.After(10 * time.Second):
	}
}

// terminate sends SIGTERM, waits up to grace and then kills the group.
func (p *process) terminate(grace time.Duration) error {
	if done, err := p.exited(); done {
		p.signal(syscall.SIGKILL)
		return err
	}
	p.signal(syscall.SIGTERM)
	select {
	case <-p.doneCh():
	case <-time.After(grace):
		p.kill()
		return fmt.Errorf("%s did not exit within %s of SIGTERM: killed", p.name, grace)
	}
	p.signal(syscall.SIGKILL)
	_, err := p.exited()
	return err
}

// exitCode returns the exit code of an exited process (-1 if killed by a
// signal or still running).
func (p *process) exitCode() int {
	done, err := p.exited()
	if !done {
		return -1
	}
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// logs returns the whole log file.
func (p *process) logs() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return fmt.Sprintf("<reading %s: %v>", p.logPath, err)
	}
	return string(b)
}

// tail returns the last n lines of the log.
func (p *process) tail(n int) string {
	return tailLines(p.logs(), n)
}

func tailLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "")
}
