package hot_ipc

import (
	"context"
	"fmt"
	"sync"

	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/directive"
	"github.com/sirupsen/logrus"
)

// CrossingDirective is a directive.Networked whose values can cross a
// process boundary too: the directive is encoded with its NetworkedCodec,
// each value the host's bus produces with its MarshalVT, and decoded in
// the child into NewNetworkedValue's result with UnmarshalVT.
//
// In a child, a CrossingDirective that nothing on the child's bus resolves
// (every resolver is idle and there is no value) is forwarded to the host,
// which resolves it on the bus given in StartConfig.HostBus if its name is
// in StartConfig.Directives. A directive.Networked that is not a
// CrossingDirective cannot cross: the child logs an error naming it and
// its resolver fails with that error (a one-off lookup returns it).
type CrossingDirective interface {
	directive.Networked
	// NewNetworkedValue returns an empty value (with UnmarshalVT) to decode
	// one of the directive's values into.
	NewNetworkedValue() directive.Value
}

// forwarderID is the controller ID of the child's forwarder.
const forwarderID = "hotbus/ipc/forwarder"

// forwarder is a controller on the child's bus that forwards directives
// nothing in the child resolves to the host, over the Directives stream.
type forwarder struct {
	le *logrus.Entry

	mu sync.Mutex
	// send is the stream's send, nil until the host opened it.
	send      func(*DirectiveRequest) error
	connected chan struct{}
	nextID    uint32
	waiting   map[uint32]*waiter
}

// waiter is a forwarded directive's event inbox.
type waiter struct {
	events chan *DirectiveEvent
	// done is closed when the resolver stops reading.
	done chan struct{}
}

// newForwarder makes a forwarder.
func newForwarder(le *logrus.Entry) *forwarder {
	return &forwarder{le: le, connected: make(chan struct{}), waiting: make(map[uint32]*waiter)}
}

// GetControllerInfo describes the forwarder.
func (f *forwarder) GetControllerInfo() *controller.Info {
	return &controller.Info{Id: forwarderID, Version: "0.0.1", Description: "forwards directives to the hotbus host"}
}

// Execute waits for ctx.
func (f *forwarder) Execute(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// Close does nothing.
func (f *forwarder) Close() error { return nil }

// HandleDirective returns a forwarding resolver for every
// directive.Networked; it forwards only if nothing else resolves it.
func (f *forwarder) HandleDirective(_ context.Context, di directive.Instance) ([]directive.Resolver, error) {
	nd, ok := di.GetDirective().(directive.Networked)
	if !ok {
		return nil, nil
	}
	return []directive.Resolver{&forwardResolver{f: f, di: di, dir: nd}}, nil
}

// serveStream runs the host's Directives stream until it ends.
func (f *forwarder) serveStream(send func(*DirectiveRequest) error, recv func() (*DirectiveEvent, error)) error {
	f.mu.Lock()
	if f.send != nil {
		f.mu.Unlock()
		return fmt.Errorf("the host opened a second Directives stream")
	}
	var sendMu sync.Mutex
	f.send = func(req *DirectiveRequest) error {
		sendMu.Lock()
		defer sendMu.Unlock()
		return send(req)
	}
	close(f.connected)
	f.mu.Unlock()
	for {
		ev, err := recv()
		if err != nil {
			return err
		}
		f.mu.Lock()
		w := f.waiting[ev.GetId()]
		f.mu.Unlock()
		if w != nil {
			select {
			case w.events <- ev:
			case <-w.done:
			}
		}
	}
}

// forwardResolver forwards one directive instance.
type forwardResolver struct {
	f   *forwarder
	di  directive.Instance
	dir directive.Networked
}

// Resolve waits until the child's other resolvers are idle without a
// value, then forwards the directive to the host and adds the host's
// values until ctx ends or the host says it cannot resolve it.
func (r *forwardResolver) Resolve(ctx context.Context, h directive.ResolverHandler) error {
	h.MarkIdle(true)
	unresolved := make(chan struct{}, 1)
	release := r.di.AddStateCallback(func(idle bool, _ []error, vals []directive.AttachedValue) {
		if idle && len(vals) == 0 {
			select {
			case unresolved <- struct{}{}:
			default:
			}
		}
	})
	select {
	case <-ctx.Done():
		release()
		return nil
	case <-unresolved:
	}
	release()

	// From here on the resolver is busy: returning an error then marks it
	// idle again, a change that one-off lookups on the directive see (an
	// error while already idle would not wake them).
	h.MarkIdle(false)
	ident := r.di.GetDirectiveIdent()
	cd, ok := r.dir.(CrossingDirective)
	if !ok {
		err := fmt.Errorf("directive %s: nothing in the child resolves it, and it cannot cross to the host: "+
			"%T is directive.Networked but has no NewNetworkedValue (see hot_ipc.CrossingDirective)", ident, r.dir)
		r.f.le.WithError(err).WithField("directive", ident).Error("directive cannot cross to the host")
		return err
	}
	data, err := cd.GetNetworkedCodec().Marshal(cd)
	if err != nil {
		err = fmt.Errorf("directive %s: encode for the host: %w", ident, err)
		r.f.le.WithError(err).WithField("directive", ident).Error("directive cannot cross to the host")
		return err
	}
	select {
	case <-ctx.Done():
		return nil
	case <-r.f.connected:
	}

	r.f.mu.Lock()
	r.f.nextID++
	id := r.f.nextID
	w := &waiter{events: make(chan *DirectiveEvent, 16), done: make(chan struct{})}
	r.f.waiting[id] = w
	send := r.f.send
	r.f.mu.Unlock()
	defer func() {
		close(w.done)
		r.f.mu.Lock()
		delete(r.f.waiting, id)
		r.f.mu.Unlock()
		_ = send(&DirectiveRequest{Id: id, Release: true})
	}()

	if err := send(&DirectiveRequest{Id: id, Name: cd.GetName(), Data: data}); err != nil {
		return fmt.Errorf("directive %s: send to the host: %w", ident, err)
	}
	r.f.le.WithField("directive", ident).Debug("directive forwarded to the host")
	local := make(map[uint32]uint32)
	for {
		var ev *DirectiveEvent
		select {
		case <-ctx.Done():
			return nil
		case ev = <-w.events:
		}
		switch ev.GetKind() {
		case DirectiveEventKind_DirectiveEventKind_VALUE_ADDED:
			val := cd.NewNetworkedValue()
			vm, ok := val.(vtMessage)
			if !ok {
				err := fmt.Errorf("directive %s: value type %T has no UnmarshalVT; it cannot cross", ident, val)
				r.f.le.WithError(err).WithField("directive", ident).Error("directive value cannot cross from the host")
				return err
			}
			if err := vm.UnmarshalVT(ev.GetValue()); err != nil {
				err = fmt.Errorf("directive %s: decode a value from the host: %w", ident, err)
				r.f.le.WithError(err).WithField("directive", ident).Error("directive value cannot cross from the host")
				return err
			}
			if lid, accepted := h.AddValue(val); accepted {
				local[ev.GetValueId()] = lid
			}
		case DirectiveEventKind_DirectiveEventKind_VALUE_REMOVED:
			if lid, ok := local[ev.GetValueId()]; ok {
				delete(local, ev.GetValueId())
				h.RemoveValue(lid)
			}
		case DirectiveEventKind_DirectiveEventKind_IDLE:
			h.MarkIdle(true)
		case DirectiveEventKind_DirectiveEventKind_ERROR:
			err := fmt.Errorf("directive %s: the host cannot resolve it: %s", ident, ev.GetError())
			r.f.le.WithError(err).WithField("directive", ident).Error("directive cannot cross to the host")
			return err
		}
	}
}

// _ is a type assertion
var (
	_ controller.Controller = ((*forwarder)(nil))
	_ directive.Resolver    = ((*forwardResolver)(nil))
)
