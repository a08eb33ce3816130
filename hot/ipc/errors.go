package hot_ipc

import (
	"errors"
	"fmt"
	"strings"
)

// ErrClosed is returned by Exec on a child that Close stopped.
var ErrClosed = errors.New("hot_ipc: child closed")

// ConfigError is a config that a child refused before running it: no
// factory has the config ID, the JSON did not decode into the config type,
// or Validate failed. Reason is the child's error text, which names the
// field where the config type's errors do. Retrying cannot help: nothing
// in hot_ipc retries it, and a caller should not either until the config
// changes.
type ConfigError struct {
	// BinaryID is the child's binary ID.
	BinaryID string
	// ConfigID is the rejected config's ID.
	ConfigID string
	// Kind is why it was rejected.
	Kind RejectKind
	// Reason is the child's error text.
	Reason string
	// Field is the JSON field that did not decode (Kind DECODE), when the
	// child found it; a Validate error names its field in Reason.
	Field string
}

// Error says which config, why, and what to do.
func (e *ConfigError) Error() string {
	what := map[RejectKind]string{
		RejectKind_RejectKind_UNKNOWN_CONFIG_ID: "unknown config ID",
		RejectKind_RejectKind_DECODE:            "config does not decode",
		RejectKind_RejectKind_VALIDATE:          "config is not valid",
	}[e.Kind]
	if what == "" {
		what = "config rejected"
	}
	if e.Field != "" {
		what += " (field " + e.Field + ")"
	}
	return fmt.Sprintf("child %s: config %s: %s: %s; fix the config and apply it again",
		e.BinaryID, e.ConfigID, what, e.Reason)
}

// ExitError is how a child process ended when it was not stopped by Close:
// killed, crashed (a panic prints its trace on stderr), or exited.
type ExitError struct {
	// Path is the executable.
	Path string
	// PID was the child's process ID.
	PID int
	// Status is the exit status as the OS reports it ("exit status 3",
	// "signal: killed").
	Status string
	// ExitCode is the exit code, -1 when a signal ended the process.
	ExitCode int
	// LastStderr holds the last lines the child wrote on stderr.
	LastStderr []string
}

// Error says which child ended, how, and its last words.
func (e *ExitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "child executable %s (pid %d) exited: %s", e.Path, e.PID, e.Status)
	if len(e.LastStderr) != 0 {
		b.WriteString("; last stderr lines:\n\t")
		b.WriteString(strings.Join(e.LastStderr, "\n\t"))
	}
	return b.String()
}
