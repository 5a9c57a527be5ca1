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

package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubernaut.ai/workflowexecution/pkg/version"
)

// infoConfigMap is config/info.yaml's ConfigMap.
const infoConfigMap = "workflowexecution-info"

func newVersionCommand(o *options) *cobra.Command {
	var client bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the plugin's and the installed controller's versions",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if client {
				fmt.Fprintf(o.streams.Out, "kubectl-wfe %s\n", version.Get())
				return nil
			}
			c, err := o.clients()
			if err != nil {
				return err
			}
			return printVersion(cmd.Context(), o.streams.Out, c, o.systemNamespace)
		},
	}
	cmd.Flags().BoolVar(&client, "client", false, "Print the plugin's version only, without contacting the cluster.")
	return cmd
}

func printVersion(ctx context.Context, out io.Writer, c *clients, systemNamespace string) error {
	fmt.Fprintf(out, "kubectl-wfe %s\n", version.Get())
	cm, err := c.kube.CoreV1().ConfigMaps(systemNamespace).Get(ctx, infoConfigMap, metav1.GetOptions{})
	if err != nil {
		fmt.Fprintf(out, "controller: unknown (%s/%s: %v)\n", systemNamespace, infoConfigMap, err)
		return nil
	}
	fmt.Fprintf(out, "controller: %s\n", cm.Data["version"])
	return nil
}
