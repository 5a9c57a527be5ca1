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

package shutdown

import (
	"context"
	"testing"
	"time"
)

func TestShutdownRunsHooksInOrderWithinTheBound(t *testing.T) {
	s := &Hooks{}
	var order []int
	s.Add(func(context.Context) { order = append(order, 1) })
	s.Add(func(ctx context.Context) {
		<-ctx.Done() // a hook that would block forever is cut at the bound
		order = append(order, 2)
	})
	start := time.Now()
	s.Run(100 * time.Millisecond)
	if len(order) != 2 || order[0] != 1 || order[1] != 2 {
		t.Errorf("hooks ran as %v, want [1 2]", order)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %s, want it bounded", d)
	}
	var nilHooks *Hooks
	nilHooks.Add(func(context.Context) {})
	nilHooks.Run(time.Millisecond)
}
