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
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/configmap/parser"

	"kubernaut.ai/workflowexecution/pkg/redact"
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
	TrustedServiceAccountsKey    = "trusted-service-accounts"
	UntrustedMaxTimeoutKey       = "untrusted-max-timeout"
)

// TenantRunnerPrefix prefixes the source namespace in the name of the
// ServiceAccount that runs the workflows of an untrusted namespace, in the
// execution namespace (docs/security.md): wfe-runner-<namespace>.
const TenantRunnerPrefix = "wfe-runner-"

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
	DefaultExecutionNamespace  = "kubernaut-workflows"
	DefaultServiceAccount      = "kubernaut-workflow-runner"
	DefaultCooldownPeriod      = 5 * time.Minute
	DefaultDefaultTimeout      = 30 * time.Minute
	DefaultStuckGracePeriod    = 5 * time.Minute
	DefaultBundlePipelineName  = "workflow"
	DefaultAuditFormat         = AuditFormatDataStorage
	DefaultAuditDrainTimeout   = 30 * time.Second
	DefaultAuditBufferSize     = 10000
	DefaultRetentionPeriod     = 7 * 24 * time.Hour
	DefaultUntrustedMaxTimeout = 24 * time.Hour
)

// WorkflowExecution is the typed form of config-workflowexecution.
type WorkflowExecution struct {
	// ExecutionNamespace is where PipelineRuns are created.
	ExecutionNamespace string
	// ServiceAccount runs the pipelines of trusted namespaces unless the
	// execution names another; untrusted namespaces' run as their own
	// TenantRunner.
	ServiceAccount string
	// AllowedServiceAccounts may be requested by executions of any
	// namespace, in addition to the default one.
	AllowedServiceAccounts []string
	// TrustedServiceAccounts may be requested by executions of trusted
	// namespaces only.
	TrustedServiceAccounts []string
	// UntrustedMaxTimeout caps the pipeline timeout of executions of
	// untrusted namespaces (how long they may hold a lock); zero: no cap.
	UntrustedMaxTimeout time.Duration
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

		UntrustedMaxTimeout: DefaultUntrustedMaxTimeout,
	}
}

// GoString prints the configuration, as knative's config store logs it
// (%#v), with the audit sink URL's user information and query hidden.
func (c *WorkflowExecution) GoString() string {
	type plain WorkflowExecution
	p := plain(*c)
	p.AuditSinkURL = redact.URL(p.AuditSinkURL)
	return fmt.Sprintf("&config.WorkflowExecution%+v", p)
}

// NamespaceTrusted reports whether executions in ns may target other
// namespaces and cluster-scoped resources.
func (c *WorkflowExecution) NamespaceTrusted(ns string) bool {
	return slices.Contains(c.TrustedNamespaces, AllNamespaces) || slices.Contains(c.TrustedNamespaces, ns)
}

// TenantRunner is the ServiceAccount, in the execution namespace, that runs
// the workflows of the untrusted namespace ns by default. Its rights are
// those ns's owners grant it (docs/security.md): a tenant's bundle cannot
// use the rights other namespaces granted to the shared runner.
func TenantRunner(ns string) string {
	return TenantRunnerPrefix + ns
}

// DefaultServiceAccountFor is the ServiceAccount that runs the workflows of
// an execution in ns that names none: the shared ServiceAccount for a
// trusted namespace, the namespace's TenantRunner otherwise.
func (c *WorkflowExecution) DefaultServiceAccountFor(ns string) string {
	if c.NamespaceTrusted(ns) {
		return c.ServiceAccount
	}
	return TenantRunner(ns)
}

// ServiceAccountAllowed reports whether an execution in ns may run as sa:
// its default, one of allowed-service-accounts, or, from a trusted
// namespace, one of trusted-service-accounts or the shared
// service-account.
func (c *WorkflowExecution) ServiceAccountAllowed(ns, sa string) bool {
	if sa == c.DefaultServiceAccountFor(ns) || slices.Contains(c.AllowedServiceAccounts, sa) {
		return true
	}
	return c.NamespaceTrusted(ns) && slices.Contains(c.TrustedServiceAccounts, sa)
}

// MaxTimeoutFor is the longest pipeline timeout an execution in ns may
// have; zero means no cap.
func (c *WorkflowExecution) MaxTimeoutFor(ns string) time.Duration {
	if c.NamespaceTrusted(ns) {
		return 0
	}
	return c.UntrustedMaxTimeout
}

// BundleAllowed reports whether a bundle reference is in one of the allowed
// repositories (any when none are configured); see RepositoryMatches.
func (c *WorkflowExecution) BundleAllowed(ref string) bool {
	if len(c.AllowedBundleRepositories) == 0 {
		return true
	}
	for _, p := range c.AllowedBundleRepositories {
		if RepositoryMatches(p, ref) {
			return true
		}
	}
	return false
}

// RepositoryMatches reports whether the bundle reference ref is in the
// allowlist entry p, matched at a path boundary: p itself, or p followed
// by "/" (a repository under it). "reg.example/team" matches
// "reg.example/team:v1", "reg.example/team@sha256:…" and
// "reg.example/team/x", not "reg.example/teamevil". A tag or digest
// follows a repository, never a host: "reg.example" matches
// "reg.example/x" only, neither "reg.example:8443/x" (another host:port)
// nor "reg.example:v1" (Docker Hub's library/reg.example). The admission
// policy applies the same rule (config/400-admission-policy.yaml).
func RepositoryMatches(p, ref string) bool {
	p = strings.TrimSuffix(p, "/")
	if p == "" || !strings.HasPrefix(ref, p) {
		return false
	}
	rest := ref[len(p):]
	switch {
	case rest == "":
		return true
	case rest[0] == '/':
		return true
	case rest[0] == ':' || rest[0] == '@':
		// A tag or digest: only after a repository, i.e. an entry with a
		// path (a host alone has no tag).
		return strings.Contains(p, "/")
	}
	return false
}

// NewWorkflowExecutionFromMap parses the ConfigMap data strictly: any bad
// value is an error naming its key.
func NewWorkflowExecutionFromMap(data map[string]string) (*WorkflowExecution, error) {
	cfg, errs := parse(data, Defaults())
	return cfg, errors.Join(errs...)
}

// NewWorkflowExecutionFromConfigMap parses the ConfigMap strictly.
func NewWorkflowExecutionFromConfigMap(cm *corev1.ConfigMap) (*WorkflowExecution, error) {
	return NewWorkflowExecutionFromMap(cm.Data)
}

// parse reads every key of data over the defaults, and returns one error
// per rejected key, naming it; a rejected key keeps its value in previous.
// (configmap.Parse stops at the first bad key: the others must still apply.)
func parse(data map[string]string, previous *WorkflowExecution) (*WorkflowExecution, []error) {
	trimmed := make(map[string]string, len(data))
	for k, v := range data {
		trimmed[k] = strings.TrimSpace(v)
	}
	cfg := Defaults()
	var errs []error
	for _, f := range fields {
		if err := f.parse(cfg)(trimmed); err != nil {
			errs = append(errs, err)
			f.keep(cfg, previous)
		}
	}
	return cfg, errs
}

// field binds a key of the ConfigMap to its field in WorkflowExecution.
type field struct {
	key string
	// syntax is the form of the key's value, as the admission policy
	// workflowexecution-config checks it (see Keys).
	syntax string
	// parse reads the key into its field of cfg, if the key is present.
	parse func(cfg *WorkflowExecution) configmap.ParseFunc
	// keep copies the field of src into dst.
	keep func(dst, src *WorkflowExecution)
}

// value is how the value of a key is parsed, and its syntax by name.
type value[T any] struct {
	syntax string
	parse  func(string) (T, error)
}

// bind makes the field of key at at(cfg), parsed by v with knative's
// configmap parser (its error names the key).
func bind[T any](key string, at func(*WorkflowExecution) *T, v value[T]) field {
	return field{
		key:    key,
		syntax: v.syntax,
		parse:  func(cfg *WorkflowExecution) configmap.ParseFunc { return parser.AsFunc(key, at(cfg), v.parse) },
		keep:   func(dst, src *WorkflowExecution) { *at(dst) = *at(src) },
	}
}

// fields are the keys of config-workflowexecution.
var fields = []field{
	bind(ExecutionNamespaceKey, func(c *WorkflowExecution) *string { return &c.ExecutionNamespace }, dnsLabel),
	bind(ServiceAccountKey, func(c *WorkflowExecution) *string { return &c.ServiceAccount }, dnsSubdomain),
	bind(AllowedServiceAccountsKey, func(c *WorkflowExecution) *[]string { return &c.AllowedServiceAccounts }, serviceAccounts),
	bind(CooldownPeriodKey, func(c *WorkflowExecution) *time.Duration { return &c.CooldownPeriod }, durationOf(0)),
	bind(DefaultTimeoutKey, func(c *WorkflowExecution) *time.Duration { return &c.DefaultTimeout }, durationOf(time.Second)),
	bind(StuckGracePeriodKey, func(c *WorkflowExecution) *time.Duration { return &c.StuckGracePeriod }, durationOf(0)),
	bind(BundlePipelineNameKey, func(c *WorkflowExecution) *string { return &c.BundlePipelineName }, dnsSubdomain),
	bind(AllowedBundleRepositoriesKey, func(c *WorkflowExecution) *[]string { return &c.AllowedBundleRepositories }, splitList),
	bind(RequireBundleDigestKey, func(c *WorkflowExecution) *bool { return &c.RequireBundleDigest }, boolean),
	bind(AuditSinkURLKey, func(c *WorkflowExecution) *string { return &c.AuditSinkURL }, auditSinkURL),
	bind(AuditFormatKey, func(c *WorkflowExecution) *string { return &c.AuditFormat }, enum(ValidAuditFormat, AuditFormatDataStorage, AuditFormatCloudEvents)),
	bind(AuditDrainTimeoutKey, func(c *WorkflowExecution) *time.Duration { return &c.AuditDrainTimeout }, durationOf(0)),
	bind(AuditBufferSizeKey, func(c *WorkflowExecution) *int { return &c.AuditBufferSize }, positiveInt),
	bind(TrustedNamespacesKey, func(c *WorkflowExecution) *[]string { return &c.TrustedNamespaces }, trustedNamespaces),
	bind(AuditTokenFileKey, func(c *WorkflowExecution) *string { return &c.AuditTokenFile }, filePath),
	bind(AuditCAFileKey, func(c *WorkflowExecution) *string { return &c.AuditCAFile }, filePath),
	bind(RetentionPeriodKey, func(c *WorkflowExecution) *time.Duration { return &c.RetentionPeriod }, durationOf(0)),
	bind(TrustedServiceAccountsKey, func(c *WorkflowExecution) *[]string { return &c.TrustedServiceAccounts }, serviceAccounts),
	bind(UntrustedMaxTimeoutKey, func(c *WorkflowExecution) *time.Duration { return &c.UntrustedMaxTimeout }, durationOf(0)),
}

// Key is a key of config-workflowexecution and the syntax of its value:
// one of SyntaxDNSLabel, SyntaxDNSSubdomain, SyntaxDNSSubdomainList,
// SyntaxNamespaceList, SyntaxList, SyntaxDuration (optionally followed by
// ">=" and the least value, e.g. "duration>=1s"), SyntaxBoolean,
// SyntaxPositiveInteger, SyntaxHTTPURL, SyntaxAbsolutePath, or SyntaxEnum
// followed by the values separated by "|" (e.g. "enum:a|b").
type Key struct {
	Name   string
	Syntax string
}

// Syntaxes of the values of config-workflowexecution (see Key).
const (
	SyntaxDNSLabel         = "dns-label"
	SyntaxDNSSubdomain     = "dns-subdomain"
	SyntaxDNSSubdomainList = "dns-subdomain-list"
	SyntaxNamespaceList    = "dns-label-list-or-*"
	SyntaxList             = "list"
	SyntaxDuration         = "duration"
	SyntaxBoolean          = "boolean"
	SyntaxPositiveInteger  = "positive-integer"
	SyntaxHTTPURL          = "http-url"
	SyntaxAbsolutePath     = "absolute-path"
	SyntaxEnum             = "enum:"
)

// Keys returns every key the controller reads from config-workflowexecution,
// with the syntax of its value, in the order of its table. The admission
// policy workflowexecution-config (config/401-config-policy.yaml) knows the
// same keys and syntaxes; a test in test/config keeps them in step.
func Keys() []Key {
	keys := make([]Key, len(fields))
	for i, f := range fields {
		keys[i] = Key{Name: f.key, Syntax: f.syntax}
	}
	return keys
}

// splitList reads a comma-separated list; empty items are dropped.
var splitList = value[[]string]{SyntaxList, parseList}

func parseList(v string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

var serviceAccounts = value[[]string]{SyntaxDNSSubdomainList, func(v string) ([]string, error) {
	list, _ := parseList(v)
	for _, sa := range list {
		if msgs := validation.IsDNS1123Subdomain(sa); len(msgs) > 0 {
			return nil, fmt.Errorf("%q is not a valid service account name: %s", sa, strings.Join(msgs, "; "))
		}
	}
	return list, nil
}}

var trustedNamespaces = value[[]string]{SyntaxNamespaceList, func(v string) ([]string, error) {
	list, _ := parseList(v)
	for _, ns := range list {
		if ns == AllNamespaces {
			if len(list) > 1 {
				return nil, fmt.Errorf("%q must stand alone", AllNamespaces)
			}
			continue
		}
		if msgs := validation.IsDNS1123Label(ns); len(msgs) > 0 {
			return nil, fmt.Errorf("%q is not a valid namespace name: %s", ns, strings.Join(msgs, "; "))
		}
	}
	return list, nil
}}

var boolean = value[bool]{SyntaxBoolean, func(v string) (bool, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%q is not a boolean", v)
	}
	return b, nil
}}

var positiveInt = value[int]{SyntaxPositiveInteger, func(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%q must be a positive integer", v)
	}
	return n, nil
}}

// auditSinkURL is empty (none) or an absolute http or https URL.
var auditSinkURL = value[string]{SyntaxHTTPURL, func(v string) (string, error) {
	if v != "" {
		if _, err := ParseAuditSinkURL(v); err != nil {
			return "", err
		}
	}
	return v, nil
}}

// ParseAuditSinkURL parses an audit-sink-url: an absolute http or https URL.
// The error does not quote the value: it may hold credentials.
func ParseAuditSinkURL(v string) (*url.URL, error) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("must be an absolute http or https URL")
	}
	return u, nil
}

// ValidAuditFormat checks an audit-format value.
func ValidAuditFormat(v string) (string, error) {
	if v != AuditFormatDataStorage && v != AuditFormatCloudEvents {
		return "", fmt.Errorf("%q must be %q or %q", v, AuditFormatDataStorage, AuditFormatCloudEvents)
	}
	return v, nil
}

// enum is one of values, checked by check.
func enum(check func(string) (string, error), values ...string) value[string] {
	return value[string]{SyntaxEnum + strings.Join(values, "|"), check}
}

// durationOf parses a duration of at least min.
func durationOf(min time.Duration) value[time.Duration] {
	syntax := SyntaxDuration
	if min > 0 {
		syntax += ">=" + min.String()
	}
	return value[time.Duration]{syntax, func(v string) (time.Duration, error) {
		d, err := time.ParseDuration(v)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration (e.g. 30s, 5m, 1h)", v)
		}
		if d < min {
			return 0, fmt.Errorf("%s must be at least %s", d, min)
		}
		return d, nil
	}}
}

// filePath accepts an empty value (none) or a clean absolute path, the
// mount path of a file in the controller's container.
var filePath = value[string]{SyntaxAbsolutePath, func(v string) (string, error) {
	if v != "" && (!filepath.IsAbs(v) || filepath.Clean(v) != v) {
		return "", fmt.Errorf("%q must be an absolute, clean file path (e.g. /etc/workflowexecution/audit/token)", v)
	}
	return v, nil
}}

var dnsLabel = value[string]{SyntaxDNSLabel, func(v string) (string, error) {
	if msgs := validation.IsDNS1123Label(v); len(msgs) > 0 {
		return "", fmt.Errorf("%q: %s", v, strings.Join(msgs, "; "))
	}
	return v, nil
}}

var dnsSubdomain = value[string]{SyntaxDNSSubdomain, func(v string) (string, error) {
	if msgs := validation.IsDNS1123Subdomain(v); len(msgs) > 0 {
		return "", fmt.Errorf("%q: %s", v, strings.Join(msgs, "; "))
	}
	return v, nil
}}
