package hot_plugin

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/aperturerobotics/controllerbus/config"
)

// ConvertConfig returns conf as the type newConfig constructs.
//
// Two builds of one plugin define their config types in packages under
// different import paths, so a config made by the old build (for example
// parsed from the host's YAML while the old build was loaded) is of another
// Go type than the new build's factory expects. Both are protobuf messages
// with one config ID: the config is carried over with MarshalVT and
// UnmarshalVT, or through JSON if that fails, and validated. conf is
// returned as is when it is already of the right type.
func ConvertConfig(conf config.Config, newConfig func() config.Config) (config.Config, error) {
	if conf == nil {
		return nil, errors.New("config is nil")
	}
	to := newConfig()
	if to == nil {
		return nil, fmt.Errorf("config %q: the factory constructs a nil config", conf.GetConfigID())
	}
	if reflect.TypeOf(conf) == reflect.TypeOf(to) {
		return conf, nil
	}
	if conf.GetConfigID() != to.GetConfigID() {
		return nil, fmt.Errorf("config %q (%T) can't become config %q (%T): the config IDs differ",
			conf.GetConfigID(), conf, to.GetConfigID(), to)
	}
	if err := convertVT(conf, to); err != nil {
		to = newConfig()
		if jerr := convertJSON(conf, to); jerr != nil {
			return nil, fmt.Errorf("convert config %q from %T to %T: protobuf: %v; json: %w",
				conf.GetConfigID(), conf, to, err, jerr)
		}
	}
	if err := to.Validate(); err != nil {
		return nil, fmt.Errorf("config %q converted from %T to %T is not valid: %w",
			conf.GetConfigID(), conf, to, err)
	}
	return to, nil
}

// convertVT copies from into to through the protobuf wire format.
func convertVT(from, to config.Config) error {
	data, err := from.MarshalVT()
	if err != nil {
		return err
	}
	return to.UnmarshalVT(data)
}

// convertJSON copies from into to through protobuf JSON.
func convertJSON(from, to config.Config) error {
	data, err := from.MarshalJSON()
	if err != nil {
		return err
	}
	return to.UnmarshalJSON(data)
}
