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

package rig

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// Names of the node tier.
const (
	// RealNodeName is the node the kubelet of the Node tier registers.
	RealNodeName = "rig-node-0"
	// RealNodeLabel is set on the real node; SimulatedTaint is the taint the
	// KWOK node gets in the Node tier, so that pods (Tekton's) land on the
	// real node unless they tolerate it.
	RealNodeLabel  = "rig.kubernaut.ai/node"
	SimulatedTaint = "rig.kubernaut.ai/simulated"
)

// node is the state of the Node tier's node (node_linux.go).
type node struct {
	dir        string // <Cluster.Dir>/node
	token      string // the kubelet's bearer token (user system:node:<RealNodeName>)
	clientCA   string // CA of the API server's client certificate to the kubelet
	clientCert string
	clientKey  string
	lock       interface{ Close() error }
}

// prepareNode creates the node's credentials before the API server starts
// and returns the API server flags the node needs: a token for the kubelet
// (added to the token file), a client certificate for the API server's
// calls to the kubelet (logs, exec), signed by a CA that the kubelet trusts,
// and InternalIP as the address to reach it at (the node name does not
// resolve).
func (c *Cluster) prepareNode() ([]string, error) {
	dir := filepath.Join(c.Dir, "node")
	if err := os.MkdirAll(filepath.Join(dir, "pki"), 0o700); err != nil {
		return nil, err
	}
	n := &node{dir: dir}
	tok := make([]byte, 24)
	if _, err := rand.Read(tok); err != nil {
		return nil, err
	}
	n.token = hex.EncodeToString(tok)
	f, err := os.OpenFile(filepath.Join(c.Dir, "tokens.csv"), os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	_, err = fmt.Fprintf(f, "%s,system:node:%s,kubelet-%s,\"system:nodes\"\n", n.token, RealNodeName, RealNodeName)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := n.writeClientCert(); err != nil {
		return nil, err
	}
	c.node = n
	return []string{
		"--kubelet-preferred-address-types=InternalIP",
		"--kubelet-client-certificate=" + n.clientCert,
		"--kubelet-client-key=" + n.clientKey,
	}, nil
}

// writeClientCert writes a CA and a client certificate signed by it for the
// API server (group system:masters, so the kubelet's webhook authorizer
// allows it).
func (n *node) writeClientCert() error {
	pki := filepath.Join(n.dir, "pki")
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "rig-kubelet-client-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "kube-apiserver-kubelet-client", Organization: []string{"system:masters"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(7 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	n.clientCA = filepath.Join(pki, "kubelet-client-ca.crt")
	n.clientCert = filepath.Join(pki, "apiserver-kubelet-client.crt")
	n.clientKey = filepath.Join(pki, "apiserver-kubelet-client.key")
	for path, block := range map[string]*pem.Block{
		n.clientCA:   {Type: "CERTIFICATE", Bytes: caDER},
		n.clientCert: {Type: "CERTIFICATE", Bytes: der},
		n.clientKey:  {Type: "EC PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// waitRealNodeReady waits for the kubelet's node to be Ready.
func (c *Cluster) waitRealNodeReady(ctx context.Context) error {
	var last string
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		if err := c.checkProcesses(); err != nil {
			return false, err
		}
		n, err := c.Kube.CoreV1().Nodes().Get(ctx, RealNodeName, metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady {
				last = fmt.Sprintf("%s: %s", cond.Reason, cond.Message)
				return cond.Status == corev1.ConditionTrue, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for node %s to be Ready (last: %s): %w", RealNodeName, last, err)
	}
	return nil
}
