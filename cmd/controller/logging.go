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
	"bytes"
	"flag"
	"log"
	"strings"

	"github.com/go-logr/zapr"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"k8s.io/klog/v2"
	"knative.dev/pkg/logging"
)

// startupLoggerConfig is config/config-logging.yaml's zap-logger-config
// (test/config checks they agree): what the controller logs before it has
// read that ConfigMap looks like what it logs afterwards, JSON on stdout.
const startupLoggerConfig = `{
  "level": "info",
  "development": false,
  "sampling": {"initial": 100, "thereafter": 100},
  "outputPaths": ["stdout"],
  "errorOutputPaths": ["stderr"],
  "encoding": "json",
  "encoderConfig": {
    "timeKey": "timestamp",
    "levelKey": "severity",
    "nameKey": "logger",
    "callerKey": "caller",
    "messageKey": "message",
    "stacktraceKey": "stacktrace",
    "lineEnding": "",
    "levelEncoder": "",
    "timeEncoder": "iso8601",
    "durationEncoder": "",
    "callerEncoder": ""
  }
}`

// startupLogger returns the logger of the controller's start-up and sends
// what else would print on stderr through it: the standard log package
// (knative's sharedmain logs "Registering ..." and its start-up failures with
// it), klog, and the flag package's errors and usage.
func startupLogger(component string) *zap.SugaredLogger {
	logger, _ := logging.NewLogger(startupLoggerConfig, "")
	logger = logger.Named(component)
	// No stack traces for these: they name what is wrong already.
	plain := logger.Desugar().WithOptions(zap.AddStacktrace(zapcore.DPanicLevel))
	log.SetFlags(0)
	log.SetPrefix("")
	// log.Printf -> (*log.Logger).output -> stdLog.Write: name the caller of log.
	log.SetOutput(stdLog{plain.WithOptions(zap.AddCallerSkip(3)).Sugar()})
	klog.SetLogger(zapr.NewLogger(logger.Desugar()))
	flag.CommandLine.SetOutput(lineLogger{plain.WithOptions(zap.WithCaller(false)).Sugar()})
	flag.CommandLine.Usage = func() {
		var b bytes.Buffer
		flag.CommandLine.SetOutput(&b)
		flag.CommandLine.PrintDefaults()
		flag.CommandLine.SetOutput(lineLogger{plain.WithOptions(zap.WithCaller(false)).Sugar()})
		logger.Infow("Usage of "+component, "flags", b.String())
	}
	return logger
}

// stdLog logs a line of the standard log package: an error when it says
// so (knative's sharedmain dies with log.Fatal("Error ...") or
// "Failed ..."), else info ("Registering 3 informers").
type stdLog struct{ logger *zap.SugaredLogger }

func (l stdLog) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	if strings.HasPrefix(msg, "Error") || strings.HasPrefix(msg, "Failed") {
		l.logger.Error(msg)
	} else {
		l.logger.Info(msg)
	}
	return len(p), nil
}

// lineLogger logs what is written to it as errors: the flag package writes
// a parse error ("flag provided but not defined: -x") to its output.
type lineLogger struct{ logger *zap.SugaredLogger }

func (l lineLogger) Write(p []byte) (int, error) {
	if msg := strings.TrimSpace(string(p)); msg != "" {
		l.logger.Error(msg)
	}
	return len(p), nil
}
