package hot_plugin

import (
	"fmt"
	"sync"

	"github.com/aperturerobotics/controllerbus/controller"
)

// ControllerError is a controller of a plugin build that could not start:
// the config failed to convert to the build's config type or to validate,
// or the build's factory failed to construct the controller. It names the
// build and the config ID, and wraps the controller's own error.
type ControllerError struct {
	// BinaryID and BinaryVersion name the build.
	BinaryID, BinaryVersion string
	// ConfigID is the config ID of the controller.
	ConfigID string
	// Op is what failed: OpConfig or OpConstruct.
	Op string
	// Err is the error of the config or of the factory.
	Err error
}

const (
	// OpConfig is a config that the build's config type rejects (Validate)
	// or that can't be converted to it.
	OpConfig = "config"
	// OpConstruct is a factory's Construct that returned an error or panicked.
	OpConstruct = "construct"
)

// Error names the build, what failed and the config ID, then the cause.
func (e *ControllerError) Error() string {
	return fmt.Sprintf("plugin %s (version %s): %s %s: %v", e.BinaryID, e.BinaryVersion, e.Op, e.ConfigID, e.Err)
}

// Unwrap returns the controller's own error.
func (e *ControllerError) Unwrap() error {
	return e.Err
}

// FailureReporter is implemented by resolvers that report every controller
// of theirs that fails to start. The loader uses it, when present, to log
// the controller's own error and to put the previous build back.
type FailureReporter interface {
	// OnControllerError sets fn to be called, on any goroutine, every time a
	// controller of the resolver fails to start (see ControllerError).
	// Set it before the resolver is on the bus. fn must not block.
	OnControllerError(fn func(*ControllerError))
}

// FactoryOwner is implemented by resolvers that know the factories they
// handed out. controllerbus merges a new ExecController directive into a
// live one with the same config ID and an equal config, so a build's
// request would join a dropped build's directive that is still being
// released (one whose Construct failed and waits to retry) and never run
// the new code: the loader waits, when it drops a build, until no
// ExecController directive on the bus holds a factory of the dropped
// build's resolver.
type FactoryOwner interface {
	// OwnsFactory reports whether f is a factory the resolver handed out.
	OwnsFactory(f controller.Factory) bool
}

// failureSink holds a resolver's FailureReporter callback.
type failureSink struct {
	mu sync.Mutex
	fn func(*ControllerError)
}

// set replaces the callback.
func (s *failureSink) set(fn func(*ControllerError)) {
	s.mu.Lock()
	s.fn = fn
	s.mu.Unlock()
}

// report calls the callback with e, returning false if there is none.
func (s *failureSink) report(e *ControllerError) bool {
	s.mu.Lock()
	fn := s.fn
	s.mu.Unlock()
	if fn == nil {
		return false
	}
	fn(e)
	return true
}
