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

// Command stubcontroller stands in for cmd/controller in the rig's
// self-tests: it serves /readyz and /metrics on the ports the rig assigns,
// proves its credentials by reading a ConfigMap of SYSTEM_NAMESPACE, and exits
// 0 on SIGTERM.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	cfg, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "kubeconfig:", err)
		os.Exit(2)
	}
	kc := kubernetes.NewForConfigOrDie(cfg)
	if _, err := kc.CoreV1().ConfigMaps(os.Getenv("SYSTEM_NAMESPACE")).List(ctx, metav1.ListOptions{}); err != nil {
		fmt.Fprintln(os.Stderr, "listing configmaps:", err)
		os.Exit(3)
	}
	// Proves that RBAC is enforced: the stub's role has no access to secrets.
	if _, err := kc.CoreV1().Secrets(os.Getenv("SYSTEM_NAMESPACE")).List(ctx, metav1.ListOptions{}); err == nil {
		fmt.Println("unexpected: listing secrets is allowed")
	} else {
		fmt.Println("listing secrets denied:", err)
	}
	probes := http.NewServeMux()
	probes.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	metrics := http.NewServeMux()
	metrics.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "stub_up 1") })
	go func() { _ = http.ListenAndServe("127.0.0.1:"+os.Getenv("PROBES_PORT"), probes) }()
	go func() { _ = http.ListenAndServe("127.0.0.1:"+os.Getenv("METRICS_PROMETHEUS_PORT"), metrics) }()
	fmt.Println("stub controller started with args", os.Args[1:])
	<-ctx.Done()
	fmt.Println("stub controller stopping")
}
