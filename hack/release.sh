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


# release.sh builds and pushes the controller image with ko and writes the
# installable manifest, as Tekton's release.yaml:
#
#   KO_DOCKER_REPO=ghcr.io/example/workflowexecution hack/release.sh v0.1.0 [OUT]
#
# OUT defaults to release.yaml. The image is pushed as
# ${KO_DOCKER_REPO}/controller with the tag VERSION and referenced by digest;
# the binary reports VERSION and the commit (.ko.yaml); every object carries
# app.kubernetes.io/version=VERSION and the workflowexecution-info ConfigMap
# says VERSION. Then: kubectl apply -f release.yaml
#
# Environment:
#   KO_DOCKER_REPO       where to push (required)
#   KO                   the ko binary (default: ko on PATH, else the rig's pinned ko)
#   KO_FLAGS             extra flags for ko resolve, e.g. "--platform=linux/amd64,linux/arm64"
#   KO_DEFAULTBASEIMAGE  ko's base image (ko's default when unset)
set -o errexit
set -o nounset
set -o pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="/usr/local/go/bin:${PATH}"

version="${1:-}"
out="${2:-release.yaml}"
if [[ -z "${version}" ]]; then
  echo "usage: KO_DOCKER_REPO=REGISTRY/REPO hack/release.sh VERSION [OUT]" >&2
  exit 2
fi
if [[ -z "${KO_DOCKER_REPO:-}" ]]; then
  echo "release.sh: KO_DOCKER_REPO is not set: name the registry repository to push the controller image to" >&2
  exit 2
fi
# Validate the version before building anything.
go run ./hack/release -check -version "${version}" || exit 2

ko="${KO:-}"
if [[ -z "${ko}" ]]; then
  if command -v ko >/dev/null 2>&1; then ko=ko; else ko="$(./hack/rig/build.sh all | tail -1)/ko"; fi
fi

tmp="$(mktemp)"
trap 'rm -f "${tmp}"' EXIT
# shellcheck disable=SC2086 # KO_FLAGS is a list of flags
WFE_VERSION="${version}" "${ko}" resolve --base-import-paths --tags "${version}" ${KO_FLAGS:-} -f config/ >"${tmp}"
go run ./hack/release -version "${version}" <"${tmp}" >"${out}.tmp"
mv -f "${out}.tmp" "${out}"
echo "release.sh: wrote ${out} for ${version} ($(grep -c '^kind:' "${out}") objects)" >&2
