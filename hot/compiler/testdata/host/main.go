// Command host is a minimal plugin host for the compiler's tests: it opens
// the plugin given as its argument, runs the boilerplate controller from
// it on a bus and exits 0 once the controller logged its greeting.
package main

import (
	"context"
	"fmt"
	"os"
	"plugin"
	"strings"
	"time"

	"github.com/aperturerobotics/controllerbus/controller/resolver"
	"github.com/aperturerobotics/controllerbus/core"
	boilerplate_controller "github.com/aperturerobotics/controllerbus/example/boilerplate/controller"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
	"github.com/sirupsen/logrus"
)

// hook signals the boilerplate greeting.
type hook chan string

// Levels returns every level.
func (h hook) Levels() []logrus.Level { return logrus.AllLevels }

// Fire signals the greeting.
func (h hook) Fire(e *logrus.Entry) error {
	if strings.HasPrefix(e.Message, "hello from boilerplate controller") {
		select {
		case h <- e.Message:
		default:
		}
	}
	return nil
}

func main() {
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(path string) error {
	p, err := plugin.Open(path)
	if err != nil {
		return err
	}
	sym, err := p.Lookup(hot_plugin.PluginSymbol)
	if err != nil {
		return err
	}
	hp := *sym.(*hot_plugin.HotPlugin)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	log := logrus.New()
	log.Out = os.Stderr
	seen := make(hook, 1)
	log.AddHook(seen)
	le := logrus.NewEntry(log)
	b, _, err := core.NewCoreBus(ctx, le)
	if err != nil {
		return err
	}
	res, err := hp.NewHotResolver(ctx, b)
	if err != nil {
		return err
	}
	if _, err := b.AddController(ctx, resolver.NewController(le, b, res), nil); err != nil {
		return err
	}
	if _, _, err := b.AddDirective(resolver.NewLoadControllerWithConfig(&boilerplate_controller.Config{ExampleField: "trimmed host"}), nil); err != nil {
		return err
	}
	select {
	case msg := <-seen:
		fmt.Println(msg)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
