//go:build !linux

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
	"errors"
	"time"
)

// NodeIP is the real node's InternalIP (Linux only).
const NodeIP = "10.217.0.1"

// NodeCheck returns why the node tier cannot run: it needs Linux.
func NodeCheck(context.Context) string { return "the node tier runs on Linux only" }

func (c *Cluster) startNode(context.Context) error {
	return errors.New("the node tier runs on Linux only")
}

func (c *Cluster) stopNode() {}

// CleanupNode does nothing: there is no node tier but on Linux.
func CleanupNode(func(string, ...any), time.Duration) error { return nil }
