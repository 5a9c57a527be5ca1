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

# fuzz.sh runs every fuzz target of the module for a short time each
# (default 15s). The seed corpora under testdata/fuzz also run with go test.
set -o errexit
set -o nounset
set -o pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
fuzztime=${1:-15s}
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "${pkg}")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "${dir}"/*_test.go 2>/dev/null | sed 's/^func //'); do
    echo "fuzzing ${pkg} ${target} for ${fuzztime}"
    go test -run='^$' -fuzz="^${target}\$" -fuzztime="${fuzztime}" "${pkg}"
  done
done
