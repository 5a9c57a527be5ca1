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

# build.sh builds the binaries of the container-less test cluster (the "rig")
# from the pinned tool modules under hack/rig/tools/ into a cache directory
# outside the repository:
#
#   ${WFE_RIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/workflowexecution}/rig-<hash>/bin/
#
# where <hash> covers the tool modules' go.mod/go.sum, the version ldflags and the Go
# version. Binaries already built for that hash are skipped.
#
# Usage:
#   hack/rig/build.sh [integration|e2e|node|all] [--print-bin-dir]
#
#   integration  etcd, kube-apiserver
#   e2e          integration + kube-controller-manager, kube-scheduler, kwok,
#                tekton-controller, tekton-resolvers (the default)
#   node         e2e + kubelet, ko (real pods; see hack/rig/node-deps.sh)
#   all          node
#   --print-bin-dir  print the bin directory and exit without building
#
# Progress goes to stderr; the last line on stdout is the bin directory.

set -o errexit
set -o nounset
set -o pipefail

RIG_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOOLS_DIR="${RIG_DIR}/tools"

KUBE_VERSION="v1.35.8"

tier="e2e"
print_only=false
for arg in "$@"; do
  case "${arg}" in
    integration|e2e|node|all) tier="${arg}" ;;
    --print-bin-dir) print_only=true ;;
    -h|--help) sed -n '17,35p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build.sh: unknown argument ${arg}" >&2; exit 2 ;;
  esac
done

GO="${GO:-go}"
if ! command -v "${GO}" >/dev/null 2>&1; then
  if [[ -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go; else echo "build.sh: go not found" >&2; exit 1; fi
fi

kube_ldflags() {
  local pkg flags=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X ${pkg}.gitVersion=${KUBE_VERSION}"
    flags+=" -X ${pkg}.gitMajor=1"
    flags+=" -X ${pkg}.gitMinor=35"
    flags+=" -X ${pkg}.gitCommit=0000000000000000000000000000000000000000"
    flags+=" -X ${pkg}.gitTreeState=clean"
    flags+=" -X ${pkg}.buildDate=1970-01-01T00:00:00Z"
  done
  echo "-s -w${flags}"
}

rig_hash() {
  (
    cd "${TOOLS_DIR}"
    # Sorted for a stable order; the ldflags and the Go version are part of
    # what is built, so they are hashed too.
    find . -name go.mod -o -name go.sum | LC_ALL=C sort | xargs sha256sum
    kube_ldflags
    "${GO}" env GOVERSION GOOS GOARCH
  ) | sha256sum | cut -c1-12
}

cache_root="${WFE_RIG_CACHE:-${XDG_CACHE_HOME:-${HOME}/.cache}/workflowexecution}"
rig_dir="${cache_root}/rig-$(rig_hash)"
bin_dir="${rig_dir}/bin"

if ${print_only}; then
  echo "${bin_dir}"
  exit 0
fi

mkdir -p "${bin_dir}"


# build NAME MODULE PACKAGE [LDFLAGS]
build() {
  local name="$1" module="$2" pkg="$3" ldflags="${4:--s -w}"
  local stamp="${bin_dir}/.${name}.stamp"
  if [[ -f "${stamp}" && -x "${bin_dir}/${name}" ]]; then
    echo "cached ${name}" >&2
    return 0
  fi
  # One lock per binary: concurrent callers (several test binaries) wait for
  # the build of what they need only, then find it cached.
  (
    if command -v flock >/dev/null 2>&1; then
      exec 9>"${bin_dir}/.${name}.lock"
      flock 9
    fi
    if [[ -f "${stamp}" && -x "${bin_dir}/${name}" ]]; then
      echo "cached ${name}" >&2
      exit 0
    fi
    local start end
    start=$(date +%s)
    (
      cd "${TOOLS_DIR}/${module}"
      GOFLAGS=-mod=mod "${GO}" build -trimpath -ldflags "${ldflags}" \
        -o "${bin_dir}/.${name}.tmp" "${pkg}"
    )
    mv -f "${bin_dir}/.${name}.tmp" "${bin_dir}/${name}"
    touch "${stamp}"
    end=$(date +%s)
    echo "built ${name} in $((end - start))s" >&2
  )
}

build etcd etcd go.etcd.io/etcd/server/v3
build kube-apiserver kubernetes k8s.io/kubernetes/cmd/kube-apiserver "$(kube_ldflags)"
if [[ "${tier}" != "integration" ]]; then
  build kube-scheduler kubernetes k8s.io/kubernetes/cmd/kube-scheduler "$(kube_ldflags)"
  build kube-controller-manager kubernetes k8s.io/kubernetes/cmd/kube-controller-manager "$(kube_ldflags)"
  build kwok kwok sigs.k8s.io/kwok/cmd/kwok
  build tekton-controller tekton github.com/tektoncd/pipeline/cmd/controller
  build tekton-resolvers tekton github.com/tektoncd/pipeline/cmd/resolvers
  build kubectl kubernetes k8s.io/kubernetes/cmd/kubectl "$(kube_ldflags)"
fi
if [[ "${tier}" == "node" || "${tier}" == "all" ]]; then
  build kubelet kubernetes k8s.io/kubernetes/cmd/kubelet "$(kube_ldflags)"
  build ko ko github.com/google/ko
fi

echo "${bin_dir}"
