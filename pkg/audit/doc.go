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

// Package audit builds the audit events of a WorkflowExecution and delivers
// them to the audit sink.
//
// Events are pure functions of the WorkflowExecution (NewEvent): the event id
// is derived from the execution's UID and the event type, and the timestamps
// from its status, so an event re-sent after a restart is byte-identical and
// a receiver can de-duplicate on event_id. Events carry parameter names,
// never parameter values.
//
// A Sender delivers events at least once, in the background: Enqueue never
// blocks, a worker (Run) batches and POSTs them, retries what the
// Knative/CloudEvents data plane retries (404, 408, 409, 429, 5xx and network
// errors) with capped exponential backoff, takes any other non-2xx status as
// a permanent reject (logged and counted, not retried), and reports each
// event's final outcome to a callback. The Sender's buffer is bounded and lives in memory only: what
// makes the trail lossless is the caller recording delivered event types in
// the execution's status (Status.AuditDelivered) and enqueueing again, on a
// later reconcile, whatever Undelivered still reports.
//
// A Switch holds the Sender of the current configuration: it is the config
// store's on-store hook, replaces the Sender when the sink settings change
// (the old one drains in the background) and drains the last one at
// shutdown. The reconciler (auditTrail in pkg/reconciler/workflowexecution)
// enqueues the events Undelivered reports, with a callback that runs on the
// Sender's worker, remembers the outcomes until it has written them to the
// status (a settled event is forgotten by the Sender), requeues on
// ErrBufferFull, and on deletion, after the drain timeout, gives an event up
// with Drop (counted dropped).
//
// Credentials never travel in the URL: Config.TokenFile names a file (a
// mounted Secret key) whose content is sent as a bearer token, over https
// only, and read again when the file changes; Config.CAFile adds CA
// certificates to verify the sink. Every log line and error names the sink
// by redact.URL (no user information, no query).
//
// Audit is disabled when the sink URL is empty: NewSender then logs one line,
// "audit disabled: audit-sink-url is empty", and returns a nil *Sender, whose
// methods are all no-ops (Enabled reports false).
package audit
