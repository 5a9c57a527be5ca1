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

package framework

import (
	"strings"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
)

// syntaxSamples are values of each syntax of config.Keys(), good and bad,
// including the edges of what Go's parsers accept.
var syntaxSamples = map[string][]string{
	config.SyntaxDNSLabel:         {"kubernaut-workflows", " runs ", "a", strings.Repeat("a", 63), strings.Repeat("a", 64), "Runs", "-runs", "runs-", "a.b", "a_b", ""},
	config.SyntaxDNSSubdomain:     {"runner", "a.b-c", strings.Repeat("a", 253), strings.Repeat("a", 254), "Runner", "a..b", ".a", "a_b", ""},
	config.SyntaxDNSSubdomainList: {"", "a", "a, b.c ,", "a,,b", "a,B", "a,b_c", " , "},
	config.SyntaxNamespaceList:    {"", "*", " * ", "kubernaut-system, ops", "*,ops", "ops,*", "Ops", "a.b", strings.Repeat("a", 64)},
	config.SyntaxList:             {"", "registry.example.com/a/", "x, y,, z", " "},
	config.SyntaxDuration:         {"0", "0s", "-0s", "5m", " 2m ", "1h30m", "1.5h", ".5s", "300ms", "999ms", "1us", "1µs", "+3s", "-1s", "5", "five minutes", "1d", "1h 30m", ""},
	config.SyntaxBoolean:          {"true", "false", "1", "0", "t", "F", "TRUE", "False", " true ", "yes", "no", "tRUE", ""},
	config.SyntaxPositiveInteger:  {"1", "10000", "007", "+5", " 3 ", "0", "-3", "1.5", "1e3", "abc", ""},
	config.SyntaxHTTPURL:          {"", "http://sink:8080", "https://sink.example.com/p?q=1", "ftp://x", "http://", "/relative", "sink:8080", "not a url"},
	config.SyntaxAbsolutePath:     {"", "/", "/etc/workflowexecution/audit/token", "/etc/x.d/..a", "relative/token", "/etc//token", "/etc/x/", "/etc/./token", "/etc/../token"},
}

// ConfigSamples returns values for key, good and bad, to hold the config
// policy (config/401-config-policy.yaml) to the controller's parser: nil
// for a syntax without samples.
func ConfigSamples(key config.Key) []string {
	if values, ok := strings.CutPrefix(key.Syntax, config.SyntaxEnum); ok {
		v := strings.Split(values, "|")
		return append(v, strings.ToUpper(v[0]), " "+v[0]+" ", v[0]+"x", "")
	}
	syntax, least, _ := strings.Cut(key.Syntax, ">=")
	samples := syntaxSamples[syntax]
	if least != "" {
		samples = append(append([]string(nil), samples...), least)
	}
	return samples
}
