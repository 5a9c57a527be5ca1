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

# verify-codegen.sh regenerates everything update-codegen.sh produces in a
# copy of the tree and fails if it differs from what is checked in.

set -o errexit
set -o nounset
set -o pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "${TMP}"' EXIT

cd "${REPO_ROOT}"
git ls-files -z --cached --others --exclude-standard \
  | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "${TMP}"

(cd "${TMP}" && ./hack/update-codegen.sh >/dev/null)

status=0
for path in pkg/apis pkg/client config/300-workflowexecution.yaml; do
  if ! diff -Naupr "${REPO_ROOT}/${path}" "${TMP}/${path}"; then
    status=1
  fi
done
if [[ ${status} -ne 0 ]]; then
  echo "Generated code is out of date: run ./hack/update-codegen.sh and commit the result." >&2
  exit 1
fi
echo "Generated code is up to date."
