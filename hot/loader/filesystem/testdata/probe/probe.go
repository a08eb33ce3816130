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
