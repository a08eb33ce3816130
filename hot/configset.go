package hot

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/config"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/controller/configset"
	configset_controller "github.com/aperturerobotics/controllerbus/controller/configset/controller"
	configset_json "github.com/aperturerobotics/controllerbus/controller/configset/json"
	"github.com/aperturerobotics/controllerbus/controller/resolver"
	"github.com/ghodss/yaml"
	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
	hot_loader_filesystem "github.com/hotbus/hotbus/hot/loader/filesystem"
	hot_loader_process "github.com/hotbus/hotbus/hot/loader/process"
	"github.com/sirupsen/logrus"
)

// entryWaitWarning is how long a config set entry may wait for its config
// type before ApplyConfigSetYAML logs that it is still waiting.
const entryWaitWarning = time.Minute

// ApplyConfigSetYAML applies a controllerbus config set in YAML (the format
// of controllerbus's configset/json: a map of controller key to id, config
// and rev) to the bus.
//
// Each entry is applied as soon as its config type is known. Entries for
// controllers that a plugin provides wait until the loader has loaded it,
// while the loader and compiler entries of the same file start at once;
// a plain configset_json.UnmarshalYAML would wait for the plugin before
// applying anything, and so forever.
//
// It returns an error for YAML it can't parse. Entries that fail later are
// logged on le. The entries stay applied until ctx ends or release is
// called.
//
// Without options, fields of a config that its type does not have are
// ignored, as controllerbus does. [WithCheck] checks the whole set first,
// as "hot-builder daemon" does.
func ApplyConfigSetYAML(ctx context.Context, le *logrus.Entry, b bus.Bus, data []byte, opts ...ApplyOption) (release func(), err error) {
	var o applyOptions
	for _, opt := range opts {
		opt(&o)
	}
	var checked map[string]*checkedEntry
	if o.check {
		if checked, err = checkConfigSet(data, o.factories); err != nil {
			return nil, err
		}
	}
	var set configset_json.ConfigSet
	if err := yaml.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("parse config set: %w", err)
	}
	for _, key := range slices.Sorted(maps.Keys(set)) {
		if cc := set[key]; cc == nil || cc.Id == "" {
			return nil, fmt.Errorf("parse config set: controller %q: no id: every entry needs the config ID of its controller", key)
		}
	}
	// The config set controller applies ApplyConfigSet directives;
	// NewCoreBus registers its factory but does not start it.
	_, csRef, err := b.AddDirective(resolver.NewLoadControllerWithConfig(&configset_controller.Config{}), nil)
	if err != nil {
		return nil, fmt.Errorf("start the config set controller: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	context.AfterFunc(ctx, csRef.Release)
	for _, key := range slices.Sorted(maps.Keys(set)) {
		go applyEntry(ctx, le.WithField("controller-key", key), b, key, set[key], checked[key], &o)
	}
	return cancel, nil
}

// ApplyOption is an option of [ApplyConfigSetYAML].
type ApplyOption func(*applyOptions)

// applyOptions are the options of ApplyConfigSetYAML.
type applyOptions struct {
	// check is set by WithCheck.
	check bool
	// factories are the factories known at the start.
	factories []controller.Factory
	// baseDir is set by WithBaseDir.
	baseDir string
}

// WithBaseDir makes [ApplyConfigSetYAML] resolve the relative paths of the
// hotbus configs against dir, usually the directory of the YAML file (as
// "hot-builder daemon" does), instead of the current directory: the
// loader's dir, and the compiler's workDir, outputDir, codegenDir and
// hostBinary. An empty workDir is dir itself. Paths in configs that
// plugins provide are their controllers' business and are left alone.
func WithBaseDir(dir string) ApplyOption {
	return func(o *applyOptions) { o.baseDir = dir }
}

// resolvePaths makes the relative paths of a hotbus config absolute,
// against base; other configs are left alone.
func resolvePaths(conf config.Config, base string) error {
	base, err := filepath.Abs(base)
	if err != nil {
		return fmt.Errorf("base dir of the config set: %w", err)
	}
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(base, *p)
		}
	}
	switch c := conf.(type) {
	case *hot_loader_filesystem.Config:
		abs(&c.Dir)
	case *hot_loader_process.Config:
		abs(&c.Dir)
	case *hot_compiler.Config:
		if c.WorkDir == "" {
			c.WorkDir = "."
		}
		for _, p := range []*string{&c.WorkDir, &c.OutputDir, &c.CodegenDir, &c.HostBinary} {
			abs(p)
		}
	}
	return nil
}

// WithCheck makes [ApplyConfigSetYAML] check the whole config set with
// [CheckConfigSetYAML] before it applies anything, and return the
// *[ConfigSetError] listing every problem instead of applying a set that
// has one. factories are the factories known at the start (for a host
// built on core.NewCoreBus: the static resolver's GetFactories after
// [AddFactories]); entries with their config IDs are checked in full.
//
// An entry whose config ID none of them has may be provided by a plugin
// later: it is logged at once, at info, as waiting for a plugin (with the
// nearest known config ID if one is close, in case of a typo), and again,
// at warn, if no plugin provided it after a minute. When a plugin
// provides it, its fields are checked against the plugin's config type,
// and unknown or invalid ones are logged as errors (the entry is applied
// anyway: a later build of the plugin may add the field, but it is only
// read at the start, so restart the host after adding it).
func WithCheck(factories ...controller.Factory) ApplyOption {
	return func(o *applyOptions) {
		o.check = true
		o.factories = append(o.factories, factories...)
	}
}

// applyEntry resolves one config set entry, waiting for its config
// constructor, and keeps it applied until ctx ends. checked is the entry
// as WithCheck checked it, or nil; o are the options.
func applyEntry(ctx context.Context, le *logrus.Entry, b bus.Bus, key string, cc *configset_json.ControllerConfig, checked *checkedEntry, o *applyOptions) {
	le = le.WithField("config-id", cc.Id)
	if checked != nil && !checked.known {
		msg := "config set entry waits for a plugin to provide its config ID"
		if checked.suggest != "" {
			msg += fmt.Sprintf(": none is known yet; did you mean %q?", checked.suggest)
		}
		le.Info(msg)
	}
	// A config ID no factory provides (yet) waits silently in
	// controllerbus: say so once, in case it is a typo or a plugin that
	// failed to load.
	waiting := time.AfterFunc(entryWaitWarning, func() {
		le.Warnf("config set entry still waits for a factory for its config ID after %v: check the id, and that a loaded plugin provides it (hot-builder manifest lists their config IDs)", entryWaitWarning)
	})
	resolved, err := cc.Resolve(ctx, b)
	waiting.Stop()
	if err != nil {
		if ctx.Err() == nil {
			le.WithError(err).Error("config set entry can't be applied: check its fields against the config type")
		}
		return
	}
	if o.baseDir != "" {
		if err := resolvePaths(resolved.GetConfig(), o.baseDir); err != nil {
			le.WithError(err).Error("config set entry can't be applied")
			return
		}
	}
	if checked != nil && !checked.known {
		for _, p := range checkConfigFields(newConfigLike(resolved.GetConfig()), checked.config) {
			le.WithField("field", p.field).WithError(p.err).Error("config set entry: a plugin provided its config type, and the entry does not fit it; it is applied as it is: fix the entry and restart the host")
		}
	}
	_, ref, err := b.AddDirective(configset.NewApplyConfigSet(configset.ConfigSet{key: resolved}), nil)
	if err != nil {
		le.WithError(err).Error("config set entry can't be applied")
		return
	}
	le.Debug("config set entry applied")
	<-ctx.Done()
	ref.Release()
}

// newConfigLike returns a new, empty config of c's type, or c itself if it
// is not a pointer.
func newConfigLike(c config.Config) config.Config {
	t := reflect.TypeOf(c)
	if t == nil || t.Kind() != reflect.Pointer {
		return c
	}
	if n, ok := reflect.New(t.Elem()).Interface().(config.Config); ok {
		return n
	}
	return c
}
