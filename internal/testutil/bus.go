package testutil

import (
	"context"
	"testing"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	configset_controller "github.com/aperturerobotics/controllerbus/controller/configset/controller"
	"github.com/aperturerobotics/controllerbus/controller/resolver"
	"github.com/aperturerobotics/controllerbus/controller/resolver/static"
	"github.com/aperturerobotics/controllerbus/core"
	"github.com/sirupsen/logrus"
)

// Bus is a core bus for a test.
type Bus struct {
	// Ctx is the bus's context, canceled by Stop.
	Ctx context.Context
	// Bus is the bus.
	bus.Bus
	// Resolver is the bus's static resolver.
	Resolver *static.Resolver
	// Cancel cancels Ctx (without waiting for the loaders: see Stop).
	Cancel context.CancelFunc
}

// NewBus starts a core bus logging to le, with the factories newFactories
// make registered (hot.AddFactories' list, for a hotbus host) and the
// config set controller running, so ApplyConfigSet directives apply. When
// the test ends the bus is stopped and its loaders waited for (see Stop),
// at most stopTimeout.
func NewBus(t testing.TB, le *logrus.Entry, stopTimeout time.Duration, newFactories ...func(bus.Bus) controller.Factory) *Bus {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	b, sr, err := core.NewCoreBus(ctx, le)
	if err != nil {
		t.Fatal(err)
	}
	for _, nf := range newFactories {
		sr.AddFactory(nf(b))
	}
	_, csRef, err := b.AddDirective(resolver.NewLoadControllerWithConfig(&configset_controller.Config{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(csRef.Release)
	tb := &Bus{Ctx: ctx, Bus: b, Resolver: sr, Cancel: cancel}
	t.Cleanup(func() { tb.Stop(t, stopTimeout) })
	return tb
}

// Stop stops the bus and waits for its loaders (see StopHost). It may be
// called more than once.
func (tb *Bus) Stop(t testing.TB, timeout time.Duration) {
	t.Helper()
	StopHost(t, tb.Bus, tb.Cancel, timeout)
}

// exiter is a controller that can be waited for after its bus stopped:
// the loaders (hot_loader_filesystem.Controller).
type exiter interface {
	WaitExited(ctx context.Context) error
}

// StopHost cancels a host bus with cancel and waits, at most timeout, until
// its controllers that have a WaitExited method (the loaders) have exited:
// after that they write nothing more into the plugins dir, which the
// test's TempDir cleanup may then remove. It may be called more than once.
func StopHost(t testing.TB, b bus.Bus, cancel context.CancelFunc, timeout time.Duration) {
	t.Helper()
	var loaders []exiter
	for _, c := range b.GetControllers() {
		if l, ok := c.(exiter); ok {
			loaders = append(loaders, l)
		}
	}
	cancel()
	ctx, done := context.WithTimeout(context.Background(), timeout)
	defer done()
	for _, l := range loaders {
		if err := l.WaitExited(ctx); err != nil {
			t.Errorf("%T did not exit: %v", l, err)
		}
	}
}
