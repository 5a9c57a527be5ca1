#!/usr/bin/env bash

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

# bench.sh runs the controller benchmark (test/bench) on the rig's
# integration tier and prints its tables (Markdown) on stdout; progress goes
# to stderr. It never passes or fails on time: the exit code is non-zero only
# when the harness breaks or the invariant checker saw a violation.
#
# Usage:
#   hack/bench.sh [flags]          e.g. hack/bench.sh -quick
#                                       hack/bench.sh -rates 20,50 -n 500
#                                       hack/bench.sh -soak 30m -scenarios soak
#                                       hack/bench.sh -scenarios retention -retention-n 2000
#   hack/bench.sh -h               every flag; each also reads BENCH_<FLAG>
#                                  from the environment (BENCH_N=500, BENCH_QUICK=1)
#
# See docs/benchmarks.md.

set -o errexit
set -o nounset
set -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${ROOT}"

GO="${GO:-go}"
if ! command -v "${GO}" >/dev/null 2>&1; then
  if [[ -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go; else echo "bench.sh: go not found" >&2; exit 1; fi
fi

# The rig's binaries (etcd, kube-apiserver), cached outside the repository.
WFE_RIG_BIN_DIR="${WFE_RIG_BIN_DIR:-$(./hack/rig/build.sh integration | tail -n 1)}"
export WFE_RIG_BIN_DIR

# Build the benchmark into the rig cache, not the repository.
cache="${WFE_RIG_CACHE:-${XDG_CACHE_HOME:-${HOME}/.cache}/workflowexecution}"
mkdir -p "${cache}/bench"
bin="${cache}/bench/bench"
"${GO}" build -o "${bin}" ./test/bench

exec "${bin}" "$@"
