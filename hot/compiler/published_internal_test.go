package hot_compiler

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/core"
	"github.com/aperturerobotics/controllerbus/directive"
	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/hotbus/hotbus/internal/testutil"
)

// handlerOnly is the compiler controller on a bus without its build loop.
type handlerOnly struct{ *Controller }

// Execute waits for ctx.
func (h handlerOnly) Execute(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// TestControllerAnnouncesPublishes proves the compiler controller's side of
// WatchPublished: a watcher of its output dir
// gets the latest publish, then each new one in its place; a watcher of
// another directory gets nothing from it.
func TestControllerAnnouncesPublishes(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	le := testutil.Logger(testutil.LogWriter(t))
	b, _, err := core.NewCoreBus(ctx, le)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c, err := NewController(le, b, &Config{OutputDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := b.AddController(ctx, handlerOnly{c}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rel()

	first := filepath.Join(dir, "demo-0000000000000001.cbus.so")
	at := time.Now()
	c.announce(first, &hot_manifest.Build{BinaryID: "demo", BuildHash: "0000000000000001", PublishedAt: at})
	v, _, ref, err := bus.ExecOneOffTyped[hot_manifest.WatchPublishedValue](ctx, b, hot_manifest.NewWatchPublished(dir), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref.Release()
	if p := v.GetValue(); p.Path != first || p.BinaryID != "demo" || p.BuildHash != "0000000000000001" || !p.PublishedAt.Equal(at) {
		t.Errorf("latest publish = %+v, want %s of demo at %v", p, first, at)
	}

	// A watcher sees the next publish replace the latest.
	got := make(chan string, 4)
	_, wref, err := b.AddDirective(hot_manifest.NewWatchPublished(dir), directive.NewTypedCallbackHandler[hot_manifest.WatchPublishedValue](
		func(v directive.TypedAttachedValue[hot_manifest.WatchPublishedValue]) { got <- v.GetValue().Path },
		nil, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer wref.Release()
	if p := <-got; p != first {
		t.Errorf("watcher's first value = %s, want the latest publish %s", p, first)
	}
	second := filepath.Join(dir, "demo-0000000000000002.cbus.so")
	c.announce(second, &hot_manifest.Build{BinaryID: "demo", BuildHash: "0000000000000002", PublishedAt: time.Now()})
	select {
	case p := <-got:
		if p != second {
			t.Errorf("watcher's next value = %s, want %s", p, second)
		}
	case <-ctx.Done():
		t.Fatal("the watcher did not see the second publish")
	}

	// Another directory: the compiler does not resolve it.
	other, _, oref, err := bus.ExecOneOffTyped[hot_manifest.WatchPublishedValue](ctx, b, hot_manifest.NewWatchPublished(t.TempDir()), bus.ReturnIfIdle(true), nil)
	if err != nil {
		t.Fatal(err)
	}
	if oref != nil {
		oref.Release()
	}
	if other != nil {
		t.Errorf("WatchPublished of another dir resolved with %+v", other.GetValue())
	}
}
