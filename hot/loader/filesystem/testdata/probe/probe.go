// Package probe is the test channel between the loader tests and the test
// plugins: a plugin's controller resolves a Probe directive with a value
// naming its build, so the test sees which build runs by watching it. The
// host (the test binary) links this package; the plugins share its copy.
package probe

import (
	"github.com/aperturerobotics/controllerbus/directive"
)

// Probe asks the running test controllers named Name for their state.
//
// Value type: string, "<build>:<name>:<count>".
type Probe interface {
	directive.Directive
	// ProbeName is the controller name to probe.
	ProbeName() string
}

// probe implements Probe.
type probe struct {
	name string
}

// New constructs a Probe directive.
func New(name string) Probe {
	return &probe{name: name}
}

// ProbeName returns the controller name.
func (p *probe) ProbeName() string {
	return p.name
}

// Validate validates the directive.
func (p *probe) Validate() error {
	return nil
}

// GetValueOptions returns options relating to value handling.
func (p *probe) GetValueOptions() directive.ValueOptions {
	return directive.ValueOptions{}
}

// IsEquivalent checks if the other directive is equivalent.
func (p *probe) IsEquivalent(other directive.Directive) bool {
	o, ok := other.(Probe)
	return ok && o.ProbeName() == p.name
}

// Superceeds returns false.
func (p *probe) Superceeds(other directive.Directive) bool {
	return false
}

// GetName returns the directive's type name.
func (p *probe) GetName() string {
	return "TestProbe"
}

// _ is a type assertion
var _ Probe = ((*probe)(nil))

// Release tells the test controllers named Name that ignore their context
// to return from Execute: the test's way to end a controller it made stuck
// on purpose. It has no value.
type Release interface {
	directive.Directive
	// ReleaseName is the controller name to release.
	ReleaseName() string
}

// release implements Release.
type release struct {
	name string
}

// NewRelease constructs a Release directive.
func NewRelease(name string) Release {
	return &release{name: name}
}

// ReleaseName returns the controller name.
func (r *release) ReleaseName() string {
	return r.name
}

// Validate validates the directive.
func (r *release) Validate() error {
	return nil
}

// GetValueOptions returns options relating to value handling.
func (r *release) GetValueOptions() directive.ValueOptions {
	return directive.ValueOptions{}
}

// IsEquivalent checks if the other directive is equivalent.
func (r *release) IsEquivalent(other directive.Directive) bool {
	o, ok := other.(Release)
	return ok && o.ReleaseName() == r.name
}

// Superceeds returns false.
func (r *release) Superceeds(other directive.Directive) bool {
	return false
}

// GetName returns the directive's type name.
func (r *release) GetName() string {
	return "TestRelease"
}

// _ is a type assertion
var _ Release = ((*release)(nil))
