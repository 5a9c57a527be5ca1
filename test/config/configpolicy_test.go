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

package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/cel-go/cel"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apiserver/pkg/cel/environment"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/test/framework"
)

const configPolicy = "workflowexecution-config"

// policyVariable returns the expression of the policy's variable name.
func policyVariable(t *testing.T, p *admissionv1.ValidatingAdmissionPolicy, name string) string {
	t.Helper()
	for _, v := range p.Spec.Variables {
		if v.Name == name {
			return v.Expression
		}
	}
	t.Fatalf("policy %s has no variable %q", p.Name, name)
	return ""
}

// syntaxEntry is one line of the policy's key table: 'key': 'syntax',
var syntaxEntry = regexp.MustCompile(`(?m)^\s*'([^']+)':\s*'([^']+)',?\s*$`)

// TestConfigPolicyKnowsEveryKey: the admission policy on
// config-workflowexecution knows exactly the keys pkg/apis/config reads,
// each with the syntax the controller parses it with, and checks every
// syntax the keys use. When a key is added to pkg/apis/config (its fields
// table), this test says which line to add to the policy.
func TestConfigPolicyKnowsEveryKey(t *testing.T) {
	const file = "config/401-config-policy.yaml"
	policy := find[admissionv1.ValidatingAdmissionPolicy](t, objects(t), "ValidatingAdmissionPolicy", configPolicy)
	table := policyVariable(t, policy, "syntax")
	inPolicy := map[string]string{}
	for _, m := range syntaxEntry.FindAllStringSubmatch(table, -1) {
		inPolicy[m[1]] = m[2]
	}
	if len(inPolicy) == 0 {
		t.Fatalf("%s: no 'key': 'syntax' lines in variable syntax:\n%s", file, table)
	}
	inCode := map[string]string{}
	for _, k := range config.Keys() {
		inCode[k.Name] = k.Syntax
		switch got, ok := inPolicy[k.Name]; {
		case !ok:
			t.Errorf("%s does not know key %q of pkg/apis/config: add this line to the map of variable syntax:\n          '%s': '%s',",
				file, k.Name, k.Name, k.Syntax)
		case got != k.Syntax:
			t.Errorf("%s: key %q has syntax %q, pkg/apis/config parses it as %q: change its line in variable syntax to\n          '%s': '%s',",
				file, k.Name, got, k.Syntax, k.Name, k.Syntax)
		}
	}
	for k := range inPolicy {
		if _, ok := inCode[k]; !ok {
			t.Errorf("%s knows key %q, which pkg/apis/config does not read: remove its line from variable syntax", file, k)
		}
	}

	// Every syntax is checked by variable malformed and described in the
	// message of its validation.
	malformed := policyVariable(t, policy, "malformed")
	var message string
	for _, v := range policy.Spec.Validations {
		if strings.Contains(v.Expression, "variables.malformed") {
			message = v.MessageExpression
		}
	}
	for _, k := range config.Keys() {
		branch := "== '" + k.Syntax + "'"
		if s, _, ok := strings.Cut(k.Syntax, ">="); ok && strings.HasPrefix(k.Syntax, config.SyntaxDuration) {
			branch = "startsWith('" + s + "')"
		} else if strings.HasPrefix(k.Syntax, config.SyntaxEnum) {
			branch = "startsWith('" + config.SyntaxEnum + "')"
		}
		if !strings.Contains(malformed, branch) {
			t.Errorf("%s: variable malformed has no branch for syntax %q of key %q (variables.syntax[k] %s ? ...): add one that accepts what pkg/apis/config accepts",
				file, k.Syntax, k.Name, branch)
		}
		if !strings.Contains(message, branch) {
			t.Errorf("%s: the message of the malformed-value validation does not describe syntax %q of key %q (variables.syntax[k] %s ? ...)",
				file, k.Syntax, k.Name, branch)
		}
	}
}

// TestConfigPolicyMatchesOnlyTheConfigMap: the policy applies to
// config-workflowexecution in kubernaut-system only, on create and update,
// fails closed, needs no parameters (so it cannot block an install that
// creates it before the ConfigMap), and is bound to deny.
func TestConfigPolicyMatchesOnlyTheConfigMap(t *testing.T) {
	objs := objects(t)
	policy := find[admissionv1.ValidatingAdmissionPolicy](t, objs, "ValidatingAdmissionPolicy", configPolicy)
	mc := policy.Spec.MatchConstraints
	if mc == nil || len(mc.ResourceRules) != 1 {
		t.Fatalf("matchConstraints = %+v, want one rule", mc)
	}
	r := mc.ResourceRules[0]
	want := fmt.Sprint([]string{""}, []string{"v1"}, []string{"configmaps"}, []string{config.ConfigName})
	if got := fmt.Sprint(r.APIGroups, r.APIVersions, r.Resources, r.ResourceNames); got != want {
		t.Errorf("resource rule %s, want %s", got, want)
	}
	if !slices.Equal(r.Operations, []admissionv1.OperationType{admissionv1.Create, admissionv1.Update}) {
		t.Errorf("operations %v, want CREATE, UPDATE", r.Operations)
	}
	if ns := mc.NamespaceSelector; ns == nil || len(ns.MatchLabels) != 1 || ns.MatchLabels["kubernetes.io/metadata.name"] != "kubernaut-system" {
		t.Errorf("namespaceSelector = %+v, want kubernaut-system only", ns)
	}
	if fp := policy.Spec.FailurePolicy; fp == nil || *fp != admissionv1.Fail {
		t.Errorf("failurePolicy = %v, want Fail", fp)
	}
	if policy.Spec.ParamKind != nil {
		t.Errorf("paramKind = %+v, want none", policy.Spec.ParamKind)
	}
	binding := find[admissionv1.ValidatingAdmissionPolicyBinding](t, objs, "ValidatingAdmissionPolicyBinding", configPolicy)
	if binding.Spec.PolicyName != configPolicy || binding.Spec.ParamRef != nil || !slices.Equal(binding.Spec.ValidationActions, []admissionv1.ValidationAction{admissionv1.Deny}) {
		t.Errorf("binding %+v: want policy %s, no params, Deny", binding.Spec, configPolicy)
	}
}

// policyEvaluator evaluates the config policy's variables and validations
// on a ConfigMap's data with the API server's CEL environment (the
// libraries of k8s.io/apiserver a ValidatingAdmissionPolicy gets), as
// admission does: it returns "" if the data is admitted, else the message.
// The integration tier holds the policy to the same samples on a real API
// server.
func policyEvaluator(t *testing.T) func(data map[string]string) string {
	t.Helper()
	policy := find[admissionv1.ValidatingAdmissionPolicy](t, objects(t), "ValidatingAdmissionPolicy", configPolicy)
	base, err := environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion()).Env(environment.StoredExpressions)
	if err != nil {
		t.Fatal(err)
	}
	env, err := base.Extend(cel.Variable("object", cel.DynType), cel.Variable("variables", cel.MapType(cel.StringType, cel.DynType)))
	if err != nil {
		t.Fatal(err)
	}
	compile := func(what, expr string) cel.Program {
		ast, iss := env.Compile(expr)
		if iss.Err() != nil {
			t.Fatalf("%s does not compile: %v", what, iss.Err())
		}
		prg, err := env.Program(ast)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return prg
	}
	type named struct {
		name string
		prg  cel.Program
	}
	var vars []named
	for _, v := range policy.Spec.Variables {
		vars = append(vars, named{v.Name, compile("variable "+v.Name, v.Expression)})
	}
	type check struct{ expr, msg cel.Program }
	var checks []check
	for i, v := range policy.Spec.Validations {
		checks = append(checks, check{compile(fmt.Sprintf("validation %d", i), v.Expression), compile(fmt.Sprintf("validation %d's message", i), v.MessageExpression)})
	}
	return func(data map[string]string) string {
		d := map[string]any{}
		for k, v := range data {
			d[k] = v
		}
		act := map[string]any{"object": map[string]any{"data": d}, "variables": map[string]any{}}
		values := act["variables"].(map[string]any)
		for _, v := range vars {
			out, _, err := v.prg.Eval(act)
			if err != nil {
				return fmt.Sprintf("error in variable %s: %v", v.name, err)
			}
			values[v.name] = out.Value()
		}
		for _, c := range checks {
			out, _, err := c.expr.Eval(act)
			if err != nil {
				return "error: " + err.Error()
			}
			if out.Value() == true {
				continue
			}
			msg, _, err := c.msg.Eval(act)
			if err != nil {
				return "error in message: " + err.Error()
			}
			return fmt.Sprint(msg.Value())
		}
		return ""
	}
}

// TestConfigPolicyAgreesWithTheParser: for every key, the policy admits
// exactly the sample values pkg/apis/config accepts, and a rejection names
// the key (and does not quote a sink URL, which may hold credentials).
func TestConfigPolicyAgreesWithTheParser(t *testing.T) {
	admit := policyEvaluator(t)
	if msg := admit(shippedData(t)); msg != "" {
		t.Errorf("the shipped ConfigMap is rejected: %s", msg)
	}
	if msg := admit(map[string]string{"cooldown-perod": "5m"}); !strings.Contains(msg, `unknown key "cooldown-perod"`) {
		t.Errorf("a typo key: %q, want it named", msg)
	}
	if msg := admit(map[string]string{config.AuditSinkURLKey: "ftp://user:s3cr3t@sink"}); msg == "" || strings.Contains(msg, "s3cr3t") {
		t.Errorf("a malformed sink URL: %q, want a rejection that does not quote it", msg)
	}
	for _, k := range config.Keys() {
		samples := framework.ConfigSamples(k)
		if len(samples) == 0 {
			t.Errorf("key %s: no samples of syntax %q: add them to framework.ConfigSamples", k.Name, k.Syntax)
		}
		for _, v := range samples {
			_, goErr := config.NewWorkflowExecutionFromMap(map[string]string{k.Name: v})
			msg := admit(map[string]string{k.Name: v, config.CooldownPeriodKey: "1m"})
			switch {
			case goErr == nil && msg != "":
				t.Errorf("%s: %q: the controller accepts it, the policy rejects it: %s", k.Name, v, msg)
			case goErr != nil && msg == "":
				t.Errorf("%s: %q: the controller rejects it (%v), the policy admits it", k.Name, v, goErr)
			case msg != "" && (!strings.Contains(msg, k.Name+": ") || (k.Name != config.CooldownPeriodKey && strings.Contains(msg, config.CooldownPeriodKey))):
				t.Errorf("%s: %q: message %q does not name the key alone", k.Name, v, msg)
			}
		}
	}
}

// shippedData is the data of config/config-workflowexecution.yaml.
func shippedData(t *testing.T) map[string]string {
	t.Helper()
	return find[corev1.ConfigMap](t, objects(t), "ConfigMap", config.ConfigName).Data
}
