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
	"bytes"
	"context"
	"fmt"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/client-go/kubernetes"
)

// APIRequest is one series of the API server's apiserver_request_total,
// reduced to verb, resource, subresource and code.
type APIRequest struct {
	Verb, Resource, Subresource, Code string
}

// APIRequestTotals reads apiserver_request_total from the API server's own
// /metrics, for the resources keep accepts (all when keep is nil). The
// counts are cumulative: subtract two readings for a window.
func APIRequestTotals(ctx context.Context, kube kubernetes.Interface, keep func(resource string) bool) (map[APIRequest]float64, error) {
	raw, err := kube.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the API server's /metrics: %w", err)
	}
	return ParseAPIRequestTotals(raw, keep)
}

// ParseAPIRequestTotals extracts apiserver_request_total for the resources
// keep accepts (all when nil) from a Prometheus text exposition.
func ParseAPIRequestTotals(raw []byte, keep func(resource string) bool) (map[APIRequest]float64, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parsing the API server's metrics: %w", err)
	}
	out := map[APIRequest]float64{}
	fam := families["apiserver_request_total"]
	if fam == nil {
		return out, nil
	}
	for _, m := range fam.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if keep != nil && !keep(labels["resource"]) {
			continue
		}
		k := APIRequest{Verb: labels["verb"], Resource: labels["resource"], Subresource: labels["subresource"], Code: labels["code"]}
		out[k] += m.GetCounter().GetValue()
	}
	return out, nil
}

// CountAPIRequests sums the series of totals matching verb and resource
// (any subresource and code).
func CountAPIRequests(totals map[APIRequest]float64, verb, resource string) float64 {
	var n float64
	for k, v := range totals {
		if k.Verb == verb && k.Resource == resource {
			n += v
		}
	}
	return n
}
