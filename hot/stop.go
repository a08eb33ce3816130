package hot

import (
	"context"
	"slices"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
)

// WaitControllersExited waits until every controller on b that is not in
// keep has exited and left the bus, or until ctx ends, and returns the
// ones still running then (none: nil).
//
// A host calls it when it shuts down, after releasing its config set (the
// release function of [ApplyConfigSetYAML]), with keep the controllers that
// ran before it applied the set (b.GetControllers()), and a bounded ctx.
// When it returns nil, every controller got its stop and returned from
// Execute, and every filesystem loader dropped its plugins and removed its
// private copies of them from the temp dir. Cancel the bus's own context
// only after that: canceling it first stops everything at once, without
// waiting.
func WaitControllersExited(ctx context.Context, b bus.Bus, keep []controller.Controller) []controller.Controller {
	for {
		var left []controller.Controller
		var changed <-chan struct{}
		b.GetControllersBroadcast().HoldLock(func(_ func(), getWaitCh func() <-chan struct{}) {
			changed = getWaitCh()
			for _, c := range b.GetControllers() {
				if !slices.Contains(keep, c) {
					left = append(left, c)
				}
			}
		})
		if len(left) == 0 {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return left
		}
	}
}
