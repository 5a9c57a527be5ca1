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
# release's artefacts, as Tekton's release.yaml:
#
#   KO_DOCKER_REPO=ghcr.io/example/workflowexecution \
#   RELEASE_URL=https://github.com/example/workflowexecution/releases/download/v0.1.0 \
#     hack/release.sh v0.1.0 [OUT]
#
# OUT defaults to release.yaml; the other artefacts go next to it:
#
#   release.yaml                           config/: kubectl apply -f release.yaml
#   release-monitoring.yaml                config/monitoring/ (Prometheus Operator, Grafana)
#   release-dashboard.yaml                 config/dashboard/ (Tekton Dashboard extension)
#   kubectl-wfe_VERSION_OS_ARCH.tar.gz     the plugin (kubectl-wfe, LICENSE) for
#                                          linux and darwin, amd64 and arm64
#   checksums.txt                          sha256sum of the archives
#   wfe.yaml                               the krew manifest: kubectl krew install --manifest=wfe.yaml
#
# The image is pushed as ${KO_DOCKER_REPO}/controller with the tag VERSION,
# for .ko.yaml's defaultPlatforms (linux/amd64, linux/arm64: an image
# index), and referenced by digest; the binaries report VERSION and the
# commit; every object carries app.kubernetes.io/version=VERSION and the
# workflowexecution-info ConfigMap says VERSION.
#
# Environment:
#   KO_DOCKER_REPO       where to push (required)
#   RELEASE_URL          where the archives will be downloaded from, https
#                        (required: wfe.yaml's URIs are RELEASE_URL/ARCHIVE)
#   KO                   the ko binary (default: ko on PATH, else the rig's pinned ko)
#   KO_FLAGS             extra flags for ko resolve, e.g. "--platform=linux/amd64"
#   KO_DEFAULTBASEIMAGE  ko's base image (ko's default when unset)
set -o errexit
set -o nounset
set -o pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="/usr/local/go/bin:${PATH}"

version="${1:-}"
out="${2:-release.yaml}"
if [[ -z "${version}" ]]; then
  echo "usage: KO_DOCKER_REPO=REGISTRY/REPO RELEASE_URL=https://... hack/release.sh VERSION [OUT]" >&2
  exit 2
fi
if [[ -z "${KO_DOCKER_REPO:-}" ]]; then
  echo "release.sh: KO_DOCKER_REPO is not set: name the registry repository to push the controller image to" >&2
  exit 2
fi
if [[ "${RELEASE_URL:-}" != https://?* ]]; then
  echo "release.sh: RELEASE_URL is not an https URL: name the URL the plugin archives will be downloaded from (the krew manifest's URIs)" >&2
  exit 2
fi
# Validate the version before building anything.
go run ./hack/release -check -version "${version}" || exit 2

ko="${KO:-}"
if [[ -z "${ko}" ]]; then
  if command -v ko >/dev/null 2>&1; then ko=ko; else ko="$(./hack/rig/build.sh all | tail -1)/ko"; fi
fi

dir="$(dirname "${out}")"
mkdir -p "${dir}"
tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT

# The controller: image(s) pushed, release.yaml.
# shellcheck disable=SC2086 # KO_FLAGS is a list of flags
WFE_VERSION="${version}" "${ko}" resolve --base-import-paths --tags "${version}" ${KO_FLAGS:-} -f config/ >"${tmp}/resolved.yaml"
go run ./hack/release -version "${version}" <"${tmp}/resolved.yaml" >"${out}.tmp"
mv -f "${out}.tmp" "${out}"
echo "release.sh: wrote ${out} for ${version} ($(grep -c '^kind:' "${out}") objects)" >&2

# The monitoring objects and the Tekton Dashboard extension:
# release-monitoring.yaml, release-dashboard.yaml.
for part in monitoring dashboard; do
  go run ./hack/release -version "${version}" -kustomization "config/${part}" >"${tmp}/release-${part}.yaml"
  mv -f "${tmp}/release-${part}.yaml" "${dir}/release-${part}.yaml"
  echo "release.sh: wrote ${dir}/release-${part}.yaml" >&2
done

# The plugin, per platform, reproducibly (no cgo, -trimpath, a fixed mtime
# and owner in the tar, no name or time in the gzip header).
commit="$(git rev-parse --short HEAD)"
[[ -z "$(git status --porcelain)" ]] || commit="${commit}-dirty"
ldflags="-s -w -X kubernaut.ai/workflowexecution/pkg/version.version=${version} -X kubernaut.ai/workflowexecution/pkg/version.commit=${commit}"
archives=()
for platform in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64; do
  goos="${platform%/*}" goarch="${platform#*/}"
  archive="kubectl-wfe_${version}_${goos}_${goarch}.tar.gz"
  mkdir -p "${tmp}/${goos}_${goarch}"
  CGO_ENABLED=0 GOOS="${goos}" GOARCH="${goarch}" go build -trimpath -ldflags "${ldflags}" \
    -o "${tmp}/${goos}_${goarch}/kubectl-wfe" ./cmd/kubectl-wfe
  cp LICENSE "${tmp}/${goos}_${goarch}/LICENSE"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
    -C "${tmp}/${goos}_${goarch}" -cf - kubectl-wfe LICENSE | gzip -n -9 >"${dir}/${archive}"
  archives+=("${archive}")
done
(cd "${dir}" && sha256sum "${archives[@]}" >checksums.txt)
go run ./hack/release -version "${version}" -krew "${dir}" -release-url "${RELEASE_URL}" >"${tmp}/wfe.yaml"
mv -f "${tmp}/wfe.yaml" "${dir}/wfe.yaml"
echo "release.sh: wrote ${#archives[@]} plugin archives, ${dir}/checksums.txt and the krew manifest ${dir}/wfe.yaml" >&2
