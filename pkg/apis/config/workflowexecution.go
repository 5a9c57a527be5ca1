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
package config

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// ConfigName is the name of the controller's ConfigMap.
const ConfigName = "config-workflowexecution"

// Keys of the config-workflowexecution ConfigMap.
const (
	ExecutionNamespaceKey        = "execution-namespace"
	ServiceAccountKey            = "service-account"
	AllowedServiceAccountsKey    = "allowed-service-accounts"
	CooldownPeriodKey            = "cooldown-period"
	DefaultTimeoutKey            = "default-timeout"
	StuckGracePeriodKey          = "stuck-grace-period"
	BundlePipelineNameKey        = "bundle-pipeline-name"
	AllowedBundleRepositoriesKey = "allowed-bundle-repositories"
	RequireBundleDigestKey       = "require-bundle-digest"
	AuditSinkURLKey              = "audit-sink-url"
	AuditFormatKey               = "audit-format"
	AuditDrainTimeoutKey         = "audit-drain-timeout"
	AuditBufferSizeKey           = "audit-buffer-size"
	TrustedNamespacesKey         = "trusted-namespaces"
	AuditTokenFileKey            = "audit-token-file"
	AuditCAFileKey               = "audit-ca-file"
	RetentionPeriodKey           = "retention-period"
)

// AllNamespaces, alone in trusted-namespaces, trusts every namespace: it
// turns the tenancy rule off (single-tenant clusters only).
const AllNamespaces = "*"

// DefaultTrustedNamespaces is where the remediation orchestrator creates
// executions.
var DefaultTrustedNamespaces = []string{"kubernaut-system"}

// Audit wire formats.
const (
	AuditFormatDataStorage = "datastorage"
	AuditFormatCloudEvents = "cloudevents"
)

// Defaults.
const (
	DefaultExecutionNamespace = "kubernaut-workflows"
	DefaultServiceAccount     = "kubernaut-workflow-runner"
	DefaultCooldownPeriod     = 5 * time.Minute
	DefaultDefaultTimeout     = 30 * time.Minute
	DefaultStuckGracePeriod   = 5 * time.Minute
	DefaultBundlePipelineName = "workflow"
	DefaultAuditFormat        = AuditFormatDataStorage
	DefaultAuditDrainTimeout  = 30 * time.Second
	DefaultAuditBufferSize    = 10000
	DefaultRetentionPeriod    = 7 * 24 * time.Hour
)

// WorkflowExecution is the typed form of config-workflowexecution.
type WorkflowExecution struct {
	// ExecutionNamespace is where PipelineRuns are created.
	ExecutionNamespace string
	// ServiceAccount runs the pipelines unless the execution names another.
	ServiceAccount string
	// AllowedServiceAccounts may be requested by executions, in addition to
	// ServiceAccount.
	AllowedServiceAccounts []string
	// CooldownPeriod keeps a finished run's lock, and blocks the same
	// workflow on the same target, for this long. Zero disables it.
	CooldownPeriod time.Duration
	// DefaultTimeout of a pipeline when the execution sets none.
	DefaultTimeout time.Duration
	// StuckGracePeriod past a PipelineRun's timeout before the controller
	// cancels it and frees the lock.
	StuckGracePeriod time.Duration
	// BundlePipelineName is the name of the Pipeline in each bundle.
	BundlePipelineName string
	// AllowedBundleRepositories are repository prefixes, matched at a path
	// boundary, a bundle reference must be in; empty allows any.
	AllowedBundleRepositories []string
	// RequireBundleDigest rejects executions without a pinned digest.
	RequireBundleDigest bool
	// AuditSinkURL receives audit events; empty disables audit.
	AuditSinkURL string
	// AuditFormat is the wire format: datastorage or cloudevents.
	AuditFormat string
	// AuditDrainTimeout bounds how long deletion waits for the terminal
	// audit event, and how long shutdown flushes.
	AuditDrainTimeout time.Duration
	// AuditBufferSize bounds the audit events held in memory.
	AuditBufferSize int
	// TrustedNamespaces may create executions that target other namespaces
	// and cluster-scoped resources; executions elsewhere may target only
	// their own namespace. AllNamespaces trusts every namespace.
	TrustedNamespaces []string
	// AuditTokenFile holds the bearer token sent to the audit sink (a file
	// mounted from a Secret); empty sends none.
	AuditTokenFile string
	// AuditCAFile holds PEM CA certificates the audit sink's TLS certificate
	// is verified with, in addition to the system roots; empty uses the
	// system roots only.
	AuditCAFile string
	// RetentionPeriod is how long after its completion a terminal execution
	// is kept; the controller deletes it then, once its lock is released
	// and its audit delivered. Zero keeps executions forever.
	RetentionPeriod time.Duration
}

// Defaults returns the configuration used when the ConfigMap is absent.
func Defaults() *WorkflowExecution {
	return &WorkflowExecution{
		ExecutionNamespace: DefaultExecutionNamespace,
		ServiceAccount:     DefaultServiceAccount,
		CooldownPeriod:     DefaultCooldownPeriod,
		DefaultTimeout:     DefaultDefaultTimeout,
		StuckGracePeriod:   DefaultStuckGracePeriod,
		BundlePipelineName: DefaultBundlePipelineName,
		AuditFormat:        DefaultAuditFormat,
		AuditDrainTimeout:  DefaultAuditDrainTimeout,
		AuditBufferSize:    DefaultAuditBufferSize,
		TrustedNamespaces:  slices.Clone(DefaultTrustedNamespaces),
		RetentionPeriod:    DefaultRetentionPeriod,
	}
}

// GoString prints the configuration, as knative's config store logs it
// (%#v), with the audit sink URL's user information and query hidden.
func (c *WorkflowExecution) GoString() string {
	type plain WorkflowExecution
	p := plain(*c)
	p.AuditSinkURL = redactURL(p.AuditSinkURL)
	return fmt.Sprintf("&config.WorkflowExecution%+v", p)
}

// redactURL hides the parts of a URL that may be secret: user information,
// query, fragment.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "[unparsable URL]"
	}
	u.User = nil
	if u.RawQuery != "" || u.ForceQuery {
		u.RawQuery, u.ForceQuery = "redacted", false
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// NamespaceTrusted reports whether executions in ns may target other
// namespaces and cluster-scoped resources.
func (c *WorkflowExecution) NamespaceTrusted(ns string) bool {
	return slices.Contains(c.TrustedNamespaces, AllNamespaces) || slices.Contains(c.TrustedNamespaces, ns)
}

// ServiceAccountAllowed reports whether an execution may run as sa.
func (c *WorkflowExecution) ServiceAccountAllowed(sa string) bool {
	return sa == c.ServiceAccount || slices.Contains(c.AllowedServiceAccounts, sa)
}

// BundleAllowed reports whether a bundle reference is in one of the allowed
// repositories (any when none are configured). A prefix matches at a path
// boundary: "registry.example.com/remediations" allows
// "registry.example.com/remediations/restart:v1" but not
// "registry.example.com/remediations-evil/x".
func (c *WorkflowExecution) BundleAllowed(ref string) bool {
	if len(c.AllowedBundleRepositories) == 0 {
		return true
	}
	for _, p := range c.AllowedBundleRepositories {
		if !strings.HasPrefix(ref, p) {
			continue
		}
		rest := ref[len(p):]
		if rest == "" || strings.HasSuffix(p, "/") || strings.ContainsRune("/:@", rune(rest[0])) {
			return true
		}
	}
	return false
}

// NewWorkflowExecutionFromMap parses the ConfigMap data strictly: any bad
// value is an error naming its key.
func NewWorkflowExecutionFromMap(data map[string]string) (*WorkflowExecution, error) {
	cfg, errs, _ := parse(Defaults(), data)
	return cfg, errors.Join(errs...)
}

// NewWorkflowExecutionFromConfigMap parses the ConfigMap strictly.
func NewWorkflowExecutionFromConfigMap(cm *corev1.ConfigMap) (*WorkflowExecution, error) {
	return NewWorkflowExecutionFromMap(cm.Data)
}

// parse applies every valid key of data on a copy of base and returns one
// error per rejected key, and the rejected keys; a rejected key keeps
// base's value.
func parse(base *WorkflowExecution, data map[string]string) (*WorkflowExecution, []error, []string) {
	cfg := *base
	cfg.AllowedServiceAccounts = slices.Clone(base.AllowedServiceAccounts)
	cfg.AllowedBundleRepositories = slices.Clone(base.AllowedBundleRepositories)
	cfg.TrustedNamespaces = slices.Clone(base.TrustedNamespaces)
	var errs []error
	var rejected []string
	set := func(key string, apply func(string) error) {
		v, ok := data[key]
		if !ok {
			return
		}
		if err := apply(strings.TrimSpace(v)); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
			rejected = append(rejected, key)
		}
	}
	set(ExecutionNamespaceKey, func(v string) error { return dnsLabel(v, &cfg.ExecutionNamespace) })
	set(ServiceAccountKey, func(v string) error { return dnsSubdomain(v, &cfg.ServiceAccount) })
	set(AllowedServiceAccountsKey, func(v string) error {
		list := splitList(v)
		for _, sa := range list {
			if msgs := validation.IsDNS1123Subdomain(sa); len(msgs) > 0 {
				return fmt.Errorf("%q is not a valid service account name: %s", sa, strings.Join(msgs, "; "))
			}
		}
		cfg.AllowedServiceAccounts = list
		return nil
	})
	set(CooldownPeriodKey, func(v string) error { return duration(v, 0, &cfg.CooldownPeriod) })
	set(DefaultTimeoutKey, func(v string) error { return duration(v, time.Second, &cfg.DefaultTimeout) })
	set(StuckGracePeriodKey, func(v string) error { return duration(v, 0, &cfg.StuckGracePeriod) })
	set(BundlePipelineNameKey, func(v string) error { return dnsSubdomain(v, &cfg.BundlePipelineName) })
	set(AllowedBundleRepositoriesKey, func(v string) error {
		cfg.AllowedBundleRepositories = splitList(v)
		return nil
	})
	set(RequireBundleDigestKey, func(v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not a boolean", v)
		}
		cfg.RequireBundleDigest = b
		return nil
	})
	set(AuditSinkURLKey, func(v string) error {
		if v != "" {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				// The value is not quoted: it may hold credentials.
				return errors.New("must be an absolute http or https URL")
			}
		}
		cfg.AuditSinkURL = v
		return nil
	})
	set(AuditFormatKey, func(v string) error {
		if v != AuditFormatDataStorage && v != AuditFormatCloudEvents {
			return fmt.Errorf("%q must be %q or %q", v, AuditFormatDataStorage, AuditFormatCloudEvents)
		}
		cfg.AuditFormat = v
		return nil
	})
	set(AuditDrainTimeoutKey, func(v string) error { return duration(v, 0, &cfg.AuditDrainTimeout) })
	set(AuditBufferSizeKey, func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("%q must be a positive integer", v)
		}
		cfg.AuditBufferSize = n
		return nil
	})
	set(TrustedNamespacesKey, func(v string) error {
		list := splitList(v)
		for _, ns := range list {
			if ns == AllNamespaces {
				if len(list) > 1 {
					return fmt.Errorf("%q must stand alone", AllNamespaces)
				}
				continue
			}
			if msgs := validation.IsDNS1123Label(ns); len(msgs) > 0 {
				return fmt.Errorf("%q is not a valid namespace name: %s", ns, strings.Join(msgs, "; "))
			}
		}
		cfg.TrustedNamespaces = list
		return nil
	})
	set(AuditTokenFileKey, func(v string) error { return filePath(v, &cfg.AuditTokenFile) })
	set(AuditCAFileKey, func(v string) error { return filePath(v, &cfg.AuditCAFile) })
	set(RetentionPeriodKey, func(v string) error { return duration(v, 0, &cfg.RetentionPeriod) })
	return &cfg, errs, rejected
}

// restore copies the value of key from src to dst.
func restore(dst, src *WorkflowExecution, key string) {
	switch key {
	case ExecutionNamespaceKey:
		dst.ExecutionNamespace = src.ExecutionNamespace
	case ServiceAccountKey:
		dst.ServiceAccount = src.ServiceAccount
	case AllowedServiceAccountsKey:
		dst.AllowedServiceAccounts = slices.Clone(src.AllowedServiceAccounts)
	case CooldownPeriodKey:
		dst.CooldownPeriod = src.CooldownPeriod
	case DefaultTimeoutKey:
		dst.DefaultTimeout = src.DefaultTimeout
	case StuckGracePeriodKey:
		dst.StuckGracePeriod = src.StuckGracePeriod
	case BundlePipelineNameKey:
		dst.BundlePipelineName = src.BundlePipelineName
	case AllowedBundleRepositoriesKey:
		dst.AllowedBundleRepositories = slices.Clone(src.AllowedBundleRepositories)
	case RequireBundleDigestKey:
		dst.RequireBundleDigest = src.RequireBundleDigest
	case AuditSinkURLKey:
		dst.AuditSinkURL = src.AuditSinkURL
	case AuditFormatKey:
		dst.AuditFormat = src.AuditFormat
	case AuditDrainTimeoutKey:
		dst.AuditDrainTimeout = src.AuditDrainTimeout
	case AuditBufferSizeKey:
		dst.AuditBufferSize = src.AuditBufferSize
	case TrustedNamespacesKey:
		dst.TrustedNamespaces = slices.Clone(src.TrustedNamespaces)
	case AuditTokenFileKey:
		dst.AuditTokenFile = src.AuditTokenFile
	case AuditCAFileKey:
		dst.AuditCAFile = src.AuditCAFile
	case RetentionPeriodKey:
		dst.RetentionPeriod = src.RetentionPeriod
	}
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func duration(v string, min time.Duration, target *time.Duration) error {
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("%q is not a duration (e.g. 30s, 5m, 1h)", v)
	}
	if d < min {
		return fmt.Errorf("%s must be at least %s", d, min)
	}
	*target = d
	return nil
}

// filePath accepts an empty value (none) or a clean absolute path, the
// mount path of a file in the controller's container.
func filePath(v string, target *string) error {
	if v != "" && (!filepath.IsAbs(v) || filepath.Clean(v) != v) {
		return fmt.Errorf("%q must be an absolute, clean file path (e.g. /etc/workflowexecution/audit/token)", v)
	}
	*target = v
	return nil
}

func dnsLabel(v string, target *string) error {
	if msgs := validation.IsDNS1123Label(v); len(msgs) > 0 {
		return fmt.Errorf("%q: %s", v, strings.Join(msgs, "; "))
	}
	*target = v
	return nil
}

func dnsSubdomain(v string, target *string) error {
	if msgs := validation.IsDNS1123Subdomain(v); len(msgs) > 0 {
		return fmt.Errorf("%q: %s", v, strings.Join(msgs, "; "))
	}
	*target = v
	return nil
}
