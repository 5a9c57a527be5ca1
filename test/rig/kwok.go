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
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// Pod steering annotations understood by kwok-stages.yaml. Tekton copies the
// annotations of a PipelineRun, and those of a Pipeline task's embedded
// taskSpec.metadata, to the TaskRun and its pod.
const (
	// DelayAnnotation is a Go duration the simulated pod runs for (default 1s).
	DelayAnnotation = "rig.kubernaut.ai/delay"
	// FailTaskAnnotation names the pipeline task (pod label
	// tekton.dev/pipelineTask) whose pod fails.
	FailTaskAnnotation = "rig.kubernaut.ai/fail-task"
	// ExitCodeAnnotation is the exit code of the failing step ("1" if
	// unset). Without FailTaskAnnotation, a non-zero value fails every pod
	// carrying it, so it can be set on one task of a Pipeline.
	ExitCodeAnnotation = "rig.kubernaut.ai/exit-code"
	// FailStepAnnotation names the step that fails (default: the first).
	FailStepAnnotation = "rig.kubernaut.ai/fail-step"
	// FailReasonAnnotation is the container reason of the failing step
	// (default "Error"; "OOMKilled" with exit code 137 is what a real node
	// reports for a step over its memory limit).
	FailReasonAnnotation = "rig.kubernaut.ai/fail-reason"
	// ImagePullBackOffAnnotation "true" makes the failing step's image pull
	// fail: its container waits in ImagePullBackOff, as on a real node.
	ImagePullBackOffAnnotation = "rig.kubernaut.ai/image-pull-backoff"
)

const kwokNodeAnnotation = "kwok.x-k8s.io/node"

// StagesPath returns the KWOK stages file of the rig.
func (c *Cluster) StagesPath() string {
	return filepath.Join(c.RepoRoot, "test", "rig", "kwok-stages.yaml")
}

// startKWOK registers the fake node and starts KWOK.
func (c *Cluster) startKWOK(ctx context.Context) error {
	if err := c.createNode(ctx); err != nil {
		return err
	}
	return c.runKWOK(ctx)
}

func (c *Cluster) runKWOK(ctx context.Context) error {
	// A lease left by a previous KWOK makes pods wait for it to expire.
	err := c.Kube.CoordinationV1().Leases(corev1.NamespaceNodeLease).Delete(ctx, NodeName, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting the node lease: %w", err)
	}
	_, err = c.startProcess("kwok", nil, "kwok",
		"--kubeconfig="+c.KubeconfigPath,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector="+kwokNodeAnnotation+"=fake",
		"--node-lease-duration-seconds=40",
		"-c", c.StagesPath(),
	)
	return err
}

// RestartKWOK kills KWOK and starts it again (E2E tier).
func (c *Cluster) RestartKWOK(ctx context.Context) error {
	c.mu.Lock()
	var old *process
	for i, p := range c.procs {
		if p.name == "kwok" {
			old = p
			c.procs = append(c.procs[:i:i], c.procs[i+1:]...)
			break
		}
	}
	c.mu.Unlock()
	if old == nil {
		return fmt.Errorf("kwok is not running (tier %s)", c.tier)
	}
	old.kill()
	return c.runKWOK(ctx)
}

func (c *Cluster) createNode(ctx context.Context) error {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("1000"),
		corev1.ResourceMemory: resource.MustParse("1Ti"),
		corev1.ResourcePods:   resource.MustParse("1000000"),
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        NodeName,
			Annotations: map[string]string{kwokNodeAnnotation: "fake", "node.alpha.kubernetes.io/ttl": "0"},
			Labels: map[string]string{
				"type":                   "kwok",
				"kubernetes.io/hostname": NodeName,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     "amd64",
			},
		},
		Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity},
	}
	if c.tier == Node {
		// Pods go to the real node unless they tolerate this.
		node.Spec.Taints = []corev1.Taint{{Key: SimulatedTaint, Value: "true", Effect: corev1.TaintEffectNoSchedule}}
	}
	_, err := c.Kube.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating node %s: %w", NodeName, err)
	}
	return nil
}

func (c *Cluster) waitNodeReady(ctx context.Context) error {
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		if err := c.checkProcesses(); err != nil {
			return false, err
		}
		n, err := c.Kube.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for node %s to be Ready: %w", NodeName, err)
	}
	return nil
}
