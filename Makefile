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

SHELL := /usr/bin/env bash
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
VERSION_PKG := kubernaut.ai/workflowexecution/pkg/version
LDFLAGS := -X $(VERSION_PKG).version=$(VERSION) -X $(VERSION_PKG).commit=$(COMMIT)
# Packages of the unit tier: everything but the real-cluster suites.
UNIT_PKGS = $$($(GO) list ./... | grep -v -e /test/integration -e /test/e2e -e /test/reliability -e /test/rig -e /test/demo)
COVER_PKGS = ./pkg/apis/...,./pkg/reconciler/...

.PHONY: all build build-plugin generate licenses release verify verify-ko verify-licenses verify-monitoring verify-api-docs api-docs vet fmt-check test test-unit test-integration test-e2e test-reliability test-node fuzz \
        rig cluster-up cluster-down demo bench

all: build

## build: compile the controller into bin/
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/controller ./cmd/controller

## generate: regenerate clients, injection, deepcopy, the CRD and docs/api.md
generate:
	./hack/update-codegen.sh
	$(GO) run ./hack/api-docs

## verify: fail if generated code, formatting, vet, config/monitoring, third_party or docs/api.md are off
verify: fmt-check vet verify-monitoring verify-licenses verify-api-docs
	./hack/verify-codegen.sh

## api-docs: regenerate docs/api.md from the Go types
api-docs:
	$(GO) run ./hack/api-docs

## verify-api-docs: fail if docs/api.md is out of date
verify-api-docs:
	$(GO) run ./hack/api-docs -check

## licenses: regenerate third_party/VENDOR-LICENSE from the controller's module graph
licenses:
	$(GO) run ./hack/licenses

## verify-licenses: fail if third_party/VENDOR-LICENSE is out of date
verify-licenses:
	$(GO) run ./hack/licenses -check

## verify-monitoring: parse config/monitoring's alerts and dashboard queries with Prometheus' parsers and run promtool test rules (test/monitoring, a module of its own; go tool caches promtool)
verify-monitoring:
	cd test/monitoring && $(GO) test -count=1 ./...

## build-plugin: compile the kubectl wfe plugin into bin/kubectl-wfe, with its kubectl completion helper
build-plugin:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/kubectl-wfe ./cmd/kubectl-wfe
	install -m 0755 cmd/kubectl-wfe/kubectl_complete-wfe bin/kubectl_complete-wfe

## release: build and push a release (VERSION=vX.Y.Z KO_DOCKER_REPO=...), write release.yaml
release:
	./hack/release.sh $(VERSION)

## verify-ko: ko resolve -f config/, hack/release.sh (multi-arch image, plugin archives, krew manifest) and kustomize build, offline, against a registry on loopback
verify-ko:
	bin=$$(./hack/rig/build.sh all | tail -1) && \
	WFE_KO=$$bin/ko WFE_KUBECTL=$$bin/kubectl $(GO) test -count=1 -timeout 30m -run 'TestKoResolve|TestReleaseScript|TestKustomizeBuild' ./test/config/

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^third_party/')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

## test: the README's test command: unit (with verify-monitoring's promtool tests), integration, e2e, reliability and node tiers
test: test-unit verify-monitoring test-integration test-e2e test-reliability test-node

## test-unit: unit tests with coverage of pkg/apis and pkg/reconciler
test-unit:
	$(GO) test -race -count=1 -coverpkg=$(COVER_PKGS) -coverprofile=coverage.unit.out $(UNIT_PKGS)
	@$(GO) tool cover -func=coverage.unit.out | tail -1 | sed 's/^total:/coverage of pkg\/apis + pkg\/reconciler:/'

## test-integration: the real API server + etcd tier
test-integration: rig-integration
	$(GO) test -count=1 -timeout 20m ./test/integration/...

## test-e2e: the full stack: API server, Tekton, KWOK, registry
test-e2e: rig-e2e
	$(GO) test -count=1 -timeout 30m ./test/e2e/...

## test-reliability: faults injected into a real control plane (short mode; WFE_RELIABILITY_SOAK=1 for the soak)
test-reliability: rig-integration
	$(GO) test -count=1 -timeout 30m ./test/reliability/...

## test-node: real pods (containerd, runc, a kubelet; one node at a time: -p 1); skipped, saying why, where the node cannot run
test-node:
	@why=$$(./hack/rig/node-check.sh); rc=$$?; \
	if [ $$rc -eq 3 ]; then \
		echo "test-node: SKIPPED: the node tier cannot run here: $$why"; \
	elif [ $$rc -ne 0 ]; then \
		echo "test-node: hack/rig/node-check.sh failed (exit $$rc): $$why" >&2; exit 1; \
	else \
		./hack/rig/build.sh node >/dev/null && \
		$(GO) test -tags node -count=1 -timeout 30m -p 1 ./test/rig/ ./test/node/...; \
	fi

## fuzz: a short run of every fuzz target
fuzz:
	./hack/fuzz.sh 15s

rig-integration:
	./hack/rig/build.sh integration >/dev/null

rig-e2e:
	./hack/rig/build.sh e2e >/dev/null

## cluster-up: start the local stack in the background and print KUBECONFIG
cluster-up:
	./hack/rig/cluster-up.sh

## cluster-down: stop the local stack
cluster-down:
	./hack/rig/cluster-down.sh

## demo: build everything, start the stack, install, run sample executions
demo:
	./hack/demo.sh

## bench: the latency/throughput benchmark against the floor (prints a table)
bench:
	./hack/bench.sh
