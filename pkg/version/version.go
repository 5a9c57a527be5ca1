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

package version

import "runtime"

var (
	version = "devel"
	commit  = "unknown"
)

// Info is what a binary reports about its build.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"goVersion"`
}

// Get returns the build's version, commit and Go version. An empty value
// set by the linker (ko without git) reads as "devel" or "unknown".
func Get() Info {
	i := Info{Version: version, Commit: commit, GoVersion: runtime.Version()}
	if i.Version == "" {
		i.Version = "devel"
	}
	if i.Commit == "" {
		i.Commit = "unknown"
	}
	return i
}

// String is "version=V commit=C go=G", as the binaries log it.
func (i Info) String() string {
	return "version=" + i.Version + " commit=" + i.Commit + " go=" + i.GoVersion
}
