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

# node-check.sh exits 0 if the rig's node tier (real pods: containerd, runc,
# a kubelet) can run on this machine, installing its packages with
# hack/rig/node-deps.sh when they are missing. Otherwise it prints why on
# stdout and exits 3 (other codes: the check itself failed, e.g. building
# rigctl). `make test-node` skips with the reason on 3 and fails otherwise.

set -o errexit
set -o nounset
set -o pipefail

source "$(dirname "${BASH_SOURCE[0]}")/rigctl.sh"
rigctl node-check
