package hot_ipc

import (
	"context"
	"fmt"
	"sync"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/directive"
	"github.com/sirupsen/logrus"
)

// relay is the host's end of the Directives stream: it adds each directive
// a child forwards to the host bus and sends its values back.
type relay struct {
	le      *logrus.Entry
	hostBus bus.Bus
	kinds   map[string]func() directive.Networked
	stream  *directivesStream

	mu     sync.Mutex
	refs   map[uint32]func()
	queue  []*DirectiveEvent
	signal chan struct{}
}

// newRelay makes a relay; kinds are keyed by their GetName().
func newRelay(le *logrus.Entry, hostBus bus.Bus, kinds []func() directive.Networked, stream *directivesStream) *relay {
	r := &relay{
		le:      le,
		hostBus: hostBus,
		kinds:   make(map[string]func() directive.Networked, len(kinds)),
		stream:  stream,
		refs:    make(map[uint32]func()),
		signal:  make(chan struct{}, 1),
	}
	for _, k := range kinds {
		if k != nil {
			r.kinds[k().GetName()] = k
		}
	}
	return r
}

// run serves the stream until it ends (ctx, or the child's exit), then
// releases every directive it added.
func (r *relay) run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go r.sendLoop(ctx)
	defer r.releaseAll()
	for {
		req, err := r.stream.recv()
		if err != nil {
			return
		}
		r.handle(req)
	}
}

// sendLoop sends queued events in order; callbacks never block on the stream.
func (r *relay) sendLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.signal:
		}
		r.mu.Lock()
		batch := r.queue
		r.queue = nil
		r.mu.Unlock()
		for _, ev := range batch {
			if err := r.stream.send(ev); err != nil {
				return
			}
		}
	}
}

// enqueue queues ev for sending.
func (r *relay) enqueue(ev *DirectiveEvent) {
	r.mu.Lock()
	r.queue = append(r.queue, ev)
	r.mu.Unlock()
	select {
	case r.signal <- struct{}{}:
	default:
	}
}

// fail tells the child that directive id cannot be resolved here.
func (r *relay) fail(id uint32, name string, err error) {
	r.le.WithError(err).WithField("directive", name).Warn("child directive not resolved on the host")
	r.enqueue(&DirectiveEvent{Id: id, Kind: DirectiveEventKind_DirectiveEventKind_ERROR, Error: err.Error()})
}

// handle adds or releases one forwarded directive.
func (r *relay) handle(req *DirectiveRequest) {
	id := req.GetId()
	if req.GetRelease() {
		r.mu.Lock()
		release := r.refs[id]
		delete(r.refs, id)
		r.mu.Unlock()
		if release != nil {
			release()
		}
		return
	}
	name := req.GetName()
	if r.hostBus == nil {
		r.fail(id, name, fmt.Errorf("the host gives children no bus to resolve directives on (hot_ipc.StartConfig.HostBus is nil)"))
		return
	}
	ctor := r.kinds[name]
	if ctor == nil {
		r.fail(id, name, fmt.Errorf("the host does not resolve directive %s for children: add its type to hot_ipc.StartConfig.Directives", name))
		return
	}
	dir := ctor()
	if err := dir.GetNetworkedCodec().Unmarshal(req.GetData(), dir); err != nil {
		r.fail(id, name, fmt.Errorf("decode directive %s on the host: %w", name, err))
		return
	}
	di, ref, err := r.hostBus.AddDirective(dir, bus.NewCallbackHandler(
		func(v directive.AttachedValue) {
			vm, ok := v.GetValue().(vtMessage)
			if !ok {
				r.fail(id, name, fmt.Errorf("value type %T of directive %s cannot cross to a child: it has no MarshalVT", v.GetValue(), name))
				return
			}
			data, err := vm.MarshalVT()
			if err != nil {
				r.fail(id, name, fmt.Errorf("encode a value of directive %s: %w", name, err))
				return
			}
			r.enqueue(&DirectiveEvent{Id: id, Kind: DirectiveEventKind_DirectiveEventKind_VALUE_ADDED, ValueId: v.GetValueID(), Value: data})
		},
		func(v directive.AttachedValue) {
			r.enqueue(&DirectiveEvent{Id: id, Kind: DirectiveEventKind_DirectiveEventKind_VALUE_REMOVED, ValueId: v.GetValueID()})
		},
		nil,
	))
	if err != nil {
		r.fail(id, name, fmt.Errorf("add directive %s to the host bus: %w", name, err))
		return
	}
	releaseIdle := di.AddIdleCallback(func(idle bool, _ []error) {
		if idle {
			r.enqueue(&DirectiveEvent{Id: id, Kind: DirectiveEventKind_DirectiveEventKind_IDLE})
		}
	})
	r.mu.Lock()
	r.refs[id] = func() {
		releaseIdle()
		ref.Release()
	}
	r.mu.Unlock()
}

// releaseAll releases every directive still held for the child.
func (r *relay) releaseAll() {
	r.mu.Lock()
	refs := r.refs
	r.refs = make(map[uint32]func())
	r.mu.Unlock()
	for _, release := range refs {
		release()
	}
}
