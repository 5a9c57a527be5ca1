/*
Copyright 2026 The Kubernaut Authors

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Package targettest serves a small, realistic discovery document for
// tests of target resolution with client-go's fake discovery client.
package targettest

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	fakediscovery "k8s.io/client-go/discovery/fake"
	clientgotesting "k8s.io/client-go/testing"
	"k8s.io/utils/clock"

	"kubernaut.ai/workflowexecution/pkg/target"
)

func res(name, singular, kind string, namespaced bool, short ...string) metav1.APIResource {
	return metav1.APIResource{Name: name, SingularName: singular, Kind: kind, Namespaced: namespaced, ShortNames: short,
		Verbs: metav1.Verbs{"get", "list"}}
}

// Resources is the discovery of a cluster with core, apps, RBAC, CRDs,
// events in two groups, and Widget served by two CRD groups.
func Resources() []*metav1.APIResourceList {
	return []*metav1.APIResourceList{{
		GroupVersion: "v1",
		APIResources: []metav1.APIResource{
			res("pods", "pod", "Pod", true, "po"),
			res("nodes", "node", "Node", false, "no"),
			res("namespaces", "namespace", "Namespace", false, "ns"),
			res("configmaps", "configmap", "ConfigMap", true, "cm"),
			res("events", "event", "Event", true, "ev"),
			res("persistentvolumes", "persistentvolume", "PersistentVolume", false, "pv"),
		},
	}, {
		GroupVersion: "apps/v1",
		APIResources: []metav1.APIResource{
			res("deployments", "deployment", "Deployment", true, "deploy"),
			res("statefulsets", "statefulset", "StatefulSet", true, "sts"),
		},
	}, {
		GroupVersion: "events.k8s.io/v1",
		APIResources: []metav1.APIResource{res("events", "event", "Event", true, "ev")},
	}, {
		GroupVersion: "rbac.authorization.k8s.io/v1",
		APIResources: []metav1.APIResource{
			res("clusterroles", "clusterrole", "ClusterRole", false),
			res("roles", "role", "Role", true),
		},
	}, {
		GroupVersion: "apiextensions.k8s.io/v1",
		APIResources: []metav1.APIResource{res("customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition", false, "crd", "crds")},
	}, {
		GroupVersion: "a.example.com/v1",
		APIResources: []metav1.APIResource{res("widgets", "widget", "Widget", true, "wd")},
	}, {
		GroupVersion: "b.example.com/v1",
		APIResources: []metav1.APIResource{res("widgets", "widget", "Widget", true)},
	}}
}

// Install makes dc serve Resources.
func Install(dc *fakediscovery.FakeDiscovery) {
	dc.Resources = Resources()
}

// Canonical resolves a spelling over Resources, as the controller resolves
// it over a cluster serving those kinds (the built-in ones tests target:
// Deployment, Pod, Node, ConfigMap...).
func Canonical(spelling string) (string, error) {
	dc := &fakediscovery.FakeDiscovery{Fake: &clientgotesting.Fake{}}
	Install(dc)
	ref, err := target.NewResolver(dc, clock.RealClock{}).Resolve(spelling)
	if err != nil {
		return "", err
	}
	return ref.String(), nil
}
