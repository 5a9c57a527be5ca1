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

// Package version holds the build's version and commit, set by the linker:
//
//	-X kubernaut.ai/workflowexecution/pkg/version.version=v0.1.0
//	-X kubernaut.ai/workflowexecution/pkg/version.commit=abc1234
//
// .ko.yaml passes them to ko builds (WFE_VERSION, and the git commit), the
// Makefile to `make build`. Unset, they read "devel" and "unknown".
package version
