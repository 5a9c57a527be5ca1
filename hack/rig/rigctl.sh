# Copyright 2026 The Kubernaut Authors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

# Sourced by cluster-up.sh and cluster-down.sh: defines rigctl, which builds
# test/rig/cmd/rigctl into the rig cache (never into the repository) and runs
# it. Messages go to stderr, so `eval "$(hack/rig/cluster-up.sh)"` works.

RIG_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RIG_CACHE="${WFE_RIG_CACHE:-${XDG_CACHE_HOME:-${HOME}/.cache}/workflowexecution}"

rigctl() {
  local go="go"
  command -v go >/dev/null 2>&1 || go=/usr/local/go/bin/go
  mkdir -p "${RIG_CACHE}"
  (cd "${RIG_REPO_ROOT}" && "${go}" build -o "${RIG_CACHE}/rigctl" ./test/rig/cmd/rigctl) >&2
  "${RIG_CACHE}/rigctl" "$@"
}
