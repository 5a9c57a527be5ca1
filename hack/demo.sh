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

# demo.sh is `make demo`: on a fresh machine it builds the local cluster
# (kube-apiserver, etcd, Tekton, KWOK from the Go module proxy, cached after
# the first run), starts it in the background with config/ installed and the
# controller running as its own ServiceAccount, then runs sample executions
# and prints what happened. The cluster keeps running: explore it, then stop
# it with `make cluster-down`.
#
# WFE_NODE=1 make demo runs the pods for real (the rig's node tier:
# containerd, runc and a kubelet; Linux and root; hack/rig/node-deps.sh
# installs the packages): the steps really echo, exit 3 and sleep.
set -o errexit
set -o nounset
set -o pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="/usr/local/go/bin:${PATH}"

tier=e2e
pods="KWOK"
if [[ "${WFE_NODE:-}" == 1 ]]; then
  if ! why=$(./hack/rig/node-check.sh); then
    echo "demo: WFE_NODE=1 but the node tier cannot run here: ${why}" >&2
    exit 1
  fi
  tier=node
  pods="containerd + runc + a kubelet (real pods)"
fi

echo "==> building the local cluster's binaries (the first run compiles Kubernetes, Tekton and KWOK: ~20 min on 2 cores; cached afterwards)"
./hack/rig/build.sh "${tier}" >/dev/null

echo "==> starting etcd, kube-apiserver, scheduler, controller-manager, ${pods}, Tekton, a registry and the controller"
eval "$(./hack/rig/cluster-up.sh -tier "${tier}" -controller)"

go run ./test/demo

bin_dir="$(./hack/rig/build.sh --print-bin-dir)"
make -s build-plugin >/dev/null

cat <<MSG

==> the cluster is still running. Explore it with the rig's kubectl and the kubectl wfe plugin:

    export PATH=${bin_dir}:$(pwd)/bin:\${PATH} KUBECONFIG=${KUBECONFIG}

    kubectl get wfe -A
    kubectl describe wfe -n kubernaut-system patch-db
    kubectl wait -n kubernaut-system --for=condition=Succeeded wfe/restart-api --timeout=60s
    kubectl wfe get -A -o wide                        # executions, their runs and locks
    kubectl wfe why -n kubernaut-system cordon-node   # why it was skipped or failed
    kubectl wfe describe -n kubernaut-system patch-db # spec, conditions, failure, lock, cooldown, events
    kubectl get wfe -n demo --as alice                # a team's own executions (alice: workflowexecution-author in demo)
    kubectl wfe locks                                 # every locked target
    kubectl get pipelineruns -n kubernaut-workflows
    curl -s ${WFE_METRICS_URL:-} | grep ^workflowexecution_
    logs: $(dirname "${KUBECONFIG}")/logs/

==> stop it with: make cluster-down
MSG
