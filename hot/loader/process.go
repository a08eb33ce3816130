package hot_loader

import "context"

// processEvent is a change of a ProcessBuild on the bus: its process
// state, or that it was proven.
type processEvent struct {
	l      *live
	state  ProcessState
	proven bool
}

// watchProcess follows the ProcessBuild of l while l is on the bus,
// handing its changes to the loader's goroutine (processChanged).
func (r *run) watchProcess(l *live) {
	pb, ok := l.build.(ProcessBuild)
	if !ok {
		return
	}
	send := func(ev processEvent) bool {
		select {
		case r.processEvents <- ev:
			return true
		case <-l.done:
			return false
		}
	}
	go func() {
		proven := pb.Proven()
		for {
			changed := pb.ProcessChanged()
			if !send(processEvent{l: l, state: pb.Process()}) {
				return
			}
			select {
			case <-l.done:
				return
			case <-changed:
			case <-proven:
				proven = nil
				if !send(processEvent{l: l, proven: true}) {
					return
				}
			}
		}
	}()
}

// processChanged records a ProcessBuild's process in its file's record,
// and releases the build it replaced once it is proven.
func (r *run) processChanged(ctx context.Context, ev processEvent) {
	l := ev.l
	if r.active[l.binaryID] != l {
		return
	}
	if ev.proven {
		if l.prev != nil {
			r.le.WithField("plugin-path", l.path).WithField("old-path", l.prev.path).
				Debug("the new build works: stopping the build it replaced")
			prev := l.prev
			l.prev = nil
			r.releaseUnused()
			if pf := r.files[prev.path]; pf != nil && pf.live == nil && pf.record.PID != 0 {
				// Its process is gone.
				pf.record.PID = 0
				r.publish(ctx, true)
			}
		}
		return
	}
	f := r.files[l.path]
	if f == nil || f.live != l {
		return
	}
	rec := &f.record
	if rec.PID == ev.state.PID && rec.Restarts == ev.state.Restarts && rec.LastExit == ev.state.LastExit {
		return
	}
	rec.PID, rec.Restarts, rec.LastExit = ev.state.PID, ev.state.Restarts, ev.state.LastExit
	r.publish(ctx, true)
}
