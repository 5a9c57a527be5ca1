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

# node-deps.sh installs the host packages of the rig's "node" tier (real pods):
# containerd, runc, the CNI plugins and a static busybox (the base of the
# rig's images). It is idempotent: packages already installed are not
# touched, and `apt-get update` runs only when something is missing.
#
# Usage:
#   hack/rig/node-deps.sh          install what is missing (needs root and apt)
#   hack/rig/node-deps.sh --check  exit 0 if everything is there, else print
#                                  what is missing and exit 1
#
# Debian bookworm gives containerd 1.6, runc 1.1, CNI plugins 1.1 (under
# /usr/lib/cni) and /bin/busybox.

set -o errexit
set -o nounset
set -o pipefail

PACKAGES=(containerd runc containernetworking-plugins busybox-static)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "${p}" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("${p}")
  fi
done

if [[ "${1:-}" == "--check" ]]; then
  if ((${#missing[@]})); then
    echo "node-deps.sh: missing packages: ${missing[*]}" >&2
    exit 1
  fi
  exit 0
fi

if ((${#missing[@]} == 0)); then
  echo "node-deps.sh: ${PACKAGES[*]}: installed" >&2
  exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
  echo "node-deps.sh: missing ${missing[*]} and not root: cannot apt-get install" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "node-deps.sh: missing ${missing[*]} and no apt-get on this host" >&2
  exit 1
fi
echo "node-deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# An install that fails on stale package lists is retried once after an update.
if ! apt-get install -y --no-install-recommends "${missing[@]}" >&2; then
  apt-get update >&2
  apt-get install -y --no-install-recommends "${missing[@]}" >&2
fi
