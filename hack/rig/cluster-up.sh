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

# cluster-up.sh starts the rig's container-less cluster (by default the e2e
# tier: control plane, KWOK node, Tekton, OCI registry) in the background and
# prints the shell exports to use it:
#
#   eval "$(hack/rig/cluster-up.sh)"      # sets KUBECONFIG and WFE_RIG_REGISTRY
#   hack/rig/cluster-up.sh -tier integration
#
# Flags are passed to `rigctl up` (-tier, -state, -config, -timeout). Stop it
# with hack/rig/cluster-down.sh.

set -o errexit
set -o nounset
set -o pipefail

source "$(dirname "${BASH_SOURCE[0]}")/rigctl.sh"
rigctl up "$@"
