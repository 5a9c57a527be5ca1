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

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// TestStartupLoggerConfigIsShipped: the logger of the start-up writes what
// config/config-logging.yaml configures.
func TestStartupLoggerConfigIsShipped(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "config", "config-logging.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := yaml.Unmarshal(b, &cm); err != nil {
		t.Fatal(err)
	}
	var shipped, ours map[string]any
	if err := json.Unmarshal([]byte(cm.Data["zap-logger-config"]), &shipped); err != nil {
		t.Fatalf("config-logging zap-logger-config: %v", err)
	}
	if err := json.Unmarshal([]byte(startupLoggerConfig), &ours); err != nil {
		t.Fatalf("startupLoggerConfig: %v", err)
	}
	if d := cmp.Diff(shipped, ours); d != "" {
		t.Errorf("startupLoggerConfig differs from config-logging's zap-logger-config (-shipped +ours):\n%s", d)
	}
}

// TestOneLoggingPath runs the built controller as a pod would and reads what
// it writes: JSON lines on stdout only, the version line and start-up
// failures included, each naming what it is about.
func TestOneLoggingPath(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the controller")
	}
	bin := filepath.Join(t.TempDir(), "controller")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	kubeconfig := filepath.Join(t.TempDir(), "missing-kubeconfig")
	for _, tc := range []struct {
		name     string
		args     []string
		exitCode int
		// A line with this severity whose message contains want.
		severity, want string
		fields         []string
	}{{
		name:     "version",
		args:     []string{"--version"},
		severity: "info",
		want:     "version=devel",
		fields:   []string{"version", "commit", "goVersion"},
	}, {
		name:     "unknown flag",
		args:     []string{"--no-such-flag"},
		exitCode: 2,
		severity: "error",
		want:     "flag provided but not defined: -no-such-flag",
	}, {
		name:     "help",
		args:     []string{"-h"},
		severity: "info",
		want:     "Usage of workflowexecution-controller",
		fields:   []string{"flags"},
	}, {
		name:     "bad kubeconfig",
		args:     []string{"--kubeconfig=" + kubeconfig},
		exitCode: 1,
		severity: "error",
		want:     "Error building kubeconfig",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.CommandContext(ctx, bin, tc.args...)
			cmd.Env = append(os.Environ(), "KUBERNETES_SERVICE_HOST=", "KUBECONFIG=")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			var exitErr *exec.ExitError
			if errors.As(err, &exitErr) {
				code = exitErr.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.exitCode {
				t.Errorf("exit code = %d, want %d", code, tc.exitCode)
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr is not empty:\n%s", stderr.String())
			}
			found := false
			for i, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
				var entry map[string]any
				if err := json.Unmarshal([]byte(line), &entry); err != nil {
					t.Errorf("stdout line %d is not JSON: %v\n%s", i+1, err, line)
					continue
				}
				for _, k := range []string{"timestamp", "severity", "message"} {
					if _, ok := entry[k]; !ok {
						t.Errorf("stdout line %d has no %q: %s", i+1, k, line)
					}
				}
				msg, _ := entry["message"].(string)
				if entry["severity"] != tc.severity || !strings.Contains(msg, tc.want) {
					continue
				}
				found = true
				if entry["logger"] != "workflowexecution-controller" {
					t.Errorf("logger = %v, want workflowexecution-controller: %s", entry["logger"], line)
				}
				for _, f := range tc.fields {
					if s, _ := entry[f].(string); s == "" {
						t.Errorf("no field %q: %s", f, line)
					}
				}
			}
			if !found {
				t.Errorf("no %s line containing %q on stdout:\n%s", tc.severity, tc.want, stdout.String())
			}
		})
	}
}
