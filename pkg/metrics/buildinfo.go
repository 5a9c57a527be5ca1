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

package metrics

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// BuildInfoName is a gauge that is always 1, labelled with the build, as
// Prometheus' own *_build_info metrics.
const BuildInfoName = "workflowexecution_build_info"

// Labels of workflowexecution_build_info.
const (
	VersionKey   = "version"
	CommitKey    = "commit"
	GoVersionKey = "go_version"
)

// RegisterBuildInfo exposes workflowexecution_build_info{version,commit,go_version} = 1
// on mp, or on otel.GetMeterProvider() when mp is nil (instruments created on
// the global provider before sharedmain installs it delegate to it).
func RegisterBuildInfo(mp metric.MeterProvider, version, commit, goVersion string) error {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	meter := mp.Meter(ScopeName)
	g, err := meter.Int64ObservableGauge(BuildInfoName,
		metric.WithDescription("Always 1; the labels name the controller's version, commit and Go version"))
	if err != nil {
		return instrumentError(BuildInfoName, err)
	}
	attrs := metric.WithAttributeSet(attribute.NewSet(
		attribute.String(VersionKey, version),
		attribute.String(CommitKey, commit),
		attribute.String(GoVersionKey, goVersion)))
	_, err = meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		o.ObserveInt64(g, 1, attrs)
		return nil
	}, g)
	return err
}
