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
	"fmt"
	"math"
	"sort"
	"time"
)

// summary is the distribution of one latency.
type summary struct {
	N                  int
	P50, P95, P99, Max time.Duration
}

// summarize computes nearest-rank percentiles; ds is sorted in place.
func summarize(ds []time.Duration) summary {
	if len(ds) == 0 {
		return summary{}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return summary{
		N:   len(ds),
		P50: percentile(ds, 0.50),
		P95: percentile(ds, 0.95),
		P99: percentile(ds, 0.99),
		Max: ds[len(ds)-1],
	}
}

// percentile is the nearest-rank percentile p (0..1] of sorted ds.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return sorted[i]
}

// ms renders a duration in milliseconds.
func ms(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	v := float64(d) / float64(time.Millisecond)
	switch {
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// ratio renders a/b as "×1.3", or "–" when there is no floor to compare to.
func ratio(a, b time.Duration) string {
	if b <= 0 || a <= 0 {
		return "–"
	}
	return fmt.Sprintf("×%.1f", float64(a)/float64(b))
}

// mib renders bytes in MiB.
func mib(b int64) string {
	if b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f", float64(b)/(1<<20))
}
