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

package integration

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

const configPolicyName = "workflowexecution-config"

// deniedByConfigPolicy reports whether err is the config policy's rejection.
func deniedByConfigPolicy(err error) bool {
	return err != nil && strings.Contains(err.Error(), "ValidatingAdmissionPolicy '"+configPolicyName+"'")
}

// tryConfig is a dry-run update of config-workflowexecution to its
// _example plus data: what `kubectl apply` of such a ConfigMap meets.
func tryConfig(data map[string]string) error {
	ctx := context.Background()
	cms := env.Cluster.Kube.CoreV1().ConfigMaps(rig.SystemNamespace)
	cm, err := cms.Get(ctx, config.ConfigName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	cm.Data = map[string]string{"_example": cm.Data["_example"]}
	for k, v := range data {
		cm.Data[k] = v
	}
	_, err = cms.Update(ctx, cm, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}})
	return err
}

// configPolicyEnforced is a check that the config policy rejects a typo.
func configPolicyEnforced() error {
	if err := tryConfig(map[string]string{"probe-typo": "x"}); !deniedByConfigPolicy(err) {
		return errors.New("not rejected by the config policy: " + errString(err))
	}
	return nil
}

// withoutConfigPolicy turns the config policy's binding to warn-only for
// the rest of the test (as if the policy were not installed), so that a
// malformed value reaches the controller, which checks it again. The
// binding is restored at cleanup.
func withoutConfigPolicy(t *testing.T) {
	t.Helper()
	setValidationActions(t, configPolicyName, admissionv1.Warn)
	t.Cleanup(func() {
		setValidationActions(t, configPolicyName, admissionv1.Deny)
		eventually(t, "the restored config policy enforces again", configPolicyEnforced)
	})
	eventually(t, "admission without the config policy", func() error { return tryConfig(map[string]string{"probe-typo": "x"}) })
}

// shippedConfigMap is config/config-workflowexecution.yaml.
func shippedConfigMap(t *testing.T) *corev1.ConfigMap {
	t.Helper()
	objs, err := rig.ReadYAMLFiles(filepath.Join(env.Cluster.RepoRoot, "config", "config-workflowexecution.yaml"))
	if err != nil || len(objs) != 1 {
		t.Fatalf("reading the shipped ConfigMap: %v (%d objects)", err, len(objs))
	}
	cm := &corev1.ConfigMap{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(objs[0].Object, cm); err != nil {
		t.Fatal(err)
	}
	return cm
}

// TestConfigPolicyRejectsTyposAndMalformedValues: a typo in a key, and a
// malformed value of each kind, are rejected when the ConfigMap is written,
// with a message naming the key.
func TestConfigPolicyRejectsTyposAndMalformedValues(t *testing.T) {
	eventually(t, "the config policy is enforced", configPolicyEnforced)
	err := tryConfig(map[string]string{"cooldown-perod": "5m", config.RetentionPeriodKey: "24h"})
	if !deniedByConfigPolicy(err) || !strings.Contains(err.Error(), `unknown key "cooldown-perod"`) {
		t.Errorf("a typo key: %v, want the config policy's rejection naming it", errString(err))
	}
	for _, tc := range []struct{ kind, key, value string }{
		{"duration", config.CooldownPeriodKey, "five minutes"},
		{"duration below its least value", config.DefaultTimeoutKey, "500ms"},
		{"negative duration", config.StuckGracePeriodKey, "-1m"},
		{"boolean", config.RequireBundleDigestKey, "yes"},
		{"integer", config.AuditBufferSizeKey, "0"},
		{"enum", config.AuditFormatKey, "xml"},
		{"DNS label", config.ExecutionNamespaceKey, "Runs_NS"},
		{"DNS subdomain", config.ServiceAccountKey, "Runner"},
		{"list of service accounts", config.AllowedServiceAccountsKey, "extra-runner, Bad_SA"},
		{"list of namespaces", config.TrustedNamespacesKey, "*, kubernaut-system"},
		{"URL", config.AuditSinkURLKey, "ftp://sink.example.com"},
		{"file path", config.AuditTokenFileKey, "audit/token"},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			if _, err := config.NewWorkflowExecutionFromMap(map[string]string{tc.key: tc.value}); err == nil {
				t.Fatalf("%s: %q is accepted by the controller: not a malformed value", tc.key, tc.value)
			}
			// With a good value of another key, which the message does not name.
			err := tryConfig(map[string]string{tc.key: tc.value, config.RetentionPeriodKey: "24h"})
			if !deniedByConfigPolicy(err) || !strings.Contains(err.Error(), tc.key+": ") {
				t.Errorf("%s: %q: %v, want the config policy's rejection naming the key", tc.key, tc.value, errString(err))
			} else if strings.Contains(err.Error(), config.RetentionPeriodKey) {
				t.Errorf("the rejection names the good key %s too: %v", config.RetentionPeriodKey, err)
			}
		})
	}
	// The sink URL may hold credentials: the message does not quote it.
	err = tryConfig(map[string]string{config.AuditSinkURLKey: "ftp://user:s3cr3t-pw@sink.example.com"})
	if !deniedByConfigPolicy(err) || strings.Contains(err.Error(), "s3cr3t-pw") {
		t.Errorf("a malformed audit-sink-url: %v, want a rejection that does not quote it", errString(err))
	}
}

// TestConfigPolicyAgreesWithTheController: for every key, the policy
// admits exactly the values the controller accepts (samples of each
// syntax), and a rejection names the key.
func TestConfigPolicyAgreesWithTheController(t *testing.T) {
	eventually(t, "the config policy is enforced", configPolicyEnforced)
	for _, k := range config.Keys() {
		samples := framework.ConfigSamples(k)
		if len(samples) == 0 {
			t.Errorf("key %s: no samples of syntax %q: add them to framework.ConfigSamples", k.Name, k.Syntax)
			continue
		}
		for _, v := range samples {
			_, goErr := config.NewWorkflowExecutionFromMap(map[string]string{k.Name: v})
			admErr := tryConfig(map[string]string{k.Name: v})
			switch {
			case goErr == nil && admErr != nil:
				t.Errorf("%s: %q: the controller accepts it, admission rejects it: %v", k.Name, v, admErr)
			case goErr != nil && admErr == nil:
				t.Errorf("%s: %q: the controller rejects it (%v), admission accepts it", k.Name, v, goErr)
			case admErr != nil && (!deniedByConfigPolicy(admErr) || !strings.Contains(admErr.Error(), k.Name+": ")):
				t.Errorf("%s: %q: %v, want the config policy's rejection naming the key", k.Name, v, admErr)
			}
		}
	}
}

// TestShippedConfigMapPassesTheConfigPolicy: the shipped ConfigMap is
// admitted, also when it is created after the policy (as `kubectl apply -f
// config/` does: 401-config-policy.yaml comes before
// config-workflowexecution.yaml).
func TestShippedConfigMapPassesTheConfigPolicy(t *testing.T) {
	ctx := context.Background()
	shipped := shippedConfigMap(t)
	if err := tryConfig(shipped.Data); err != nil {
		t.Fatalf("updating to the shipped ConfigMap: %v", err)
	}
	eventually(t, "the config policy is enforced", configPolicyEnforced)
	cms := env.Cluster.Kube.CoreV1().ConfigMaps(rig.SystemNamespace)
	t.Cleanup(func() {
		if err := env.SetConfig(ctx, baseConfig); err != nil {
			t.Errorf("restoring the base configuration: %v", err)
		}
	})
	if err := cms.Delete(ctx, config.ConfigName, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("deleting the ConfigMap: %v", err)
	}
	if _, err := cms.Create(ctx, shipped, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating the shipped ConfigMap with the policy in place: %v", err)
	}
}
