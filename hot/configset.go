package hot

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller/configset"
	configset_controller "github.com/aperturerobotics/controllerbus/controller/configset/controller"
	configset_json "github.com/aperturerobotics/controllerbus/controller/configset/json"
	"github.com/aperturerobotics/controllerbus/controller/resolver"
	"github.com/ghodss/yaml"
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
func ApplyConfigSetYAML(ctx context.Context, le *logrus.Entry, b bus.Bus, data []byte) (release func(), err error) {
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
		go applyEntry(ctx, le.WithField("controller-key", key), b, key, set[key])
	}
	return cancel, nil
}

// applyEntry resolves one config set entry, waiting for its config
// constructor, and keeps it applied until ctx ends.
func applyEntry(ctx context.Context, le *logrus.Entry, b bus.Bus, key string, cc *configset_json.ControllerConfig) {
	le = le.WithField("config-id", cc.Id)
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
	_, ref, err := b.AddDirective(configset.NewApplyConfigSet(configset.ConfigSet{key: resolved}), nil)
	if err != nil {
		le.WithError(err).Error("config set entry can't be applied")
		return
	}
	le.Debug("config set entry applied")
	<-ctx.Done()
	ref.Release()
}
