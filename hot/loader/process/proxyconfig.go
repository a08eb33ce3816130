package hot_loader_process

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aperturerobotics/controllerbus/config"
)

// proxyConfig is the host's config for a controller that runs in a child:
// the host does not have the child's config types, so it holds the config
// as data, a JSON object, with every field kept (the child decodes and
// validates it). It unmarshals from a config set's YAML or JSON through
// controllerbus's configset/json, and from another build's config of the
// same config ID (hot_plugin.ConvertConfig: protobuf bytes of a proxy
// config, or JSON of any config).
type proxyConfig struct {
	// configID is the child factory's config ID.
	configID string
	// raw is the config, a compact JSON object; nil means {}.
	raw []byte
}

// newProxyConfig returns an empty config of configID.
func newProxyConfig(configID string) *proxyConfig {
	return &proxyConfig{configID: configID}
}

// JSON returns the config as a JSON object.
func (c *proxyConfig) JSON() []byte {
	if len(c.raw) == 0 {
		return []byte("{}")
	}
	return c.raw
}

// Validate checks that the config is a JSON object. The child validates
// its content when it runs the controller.
func (c *proxyConfig) Validate() error {
	if c.configID == "" {
		return errors.New("proxy config without a config ID")
	}
	if _, err := decodeObject(c.configID, c.JSON()); err != nil {
		return err
	}
	return nil
}

// GetConfigID returns the child factory's config ID.
func (c *proxyConfig) GetConfigID() string {
	return c.configID
}

// EqualsConfig reports whether other is a proxy config of the same config
// ID with the same JSON.
func (c *proxyConfig) EqualsConfig(other config.Config) bool {
	o, ok := other.(*proxyConfig)
	return ok && o.configID == c.configID && bytes.Equal(o.JSON(), c.JSON())
}

// MarshalJSON returns the config's JSON object.
func (c *proxyConfig) MarshalJSON() ([]byte, error) {
	return bytes.Clone(c.JSON()), nil
}

// UnmarshalJSON keeps data, which must be a JSON object; unknown fields
// are kept for the child to judge.
func (c *proxyConfig) UnmarshalJSON(data []byte) error {
	raw, err := decodeObject(c.configID, data)
	if err != nil {
		return err
	}
	c.raw = raw
	return nil
}

// wire returns the protobuf form of the config.
func (c *proxyConfig) wire() *ProxyConfig {
	return &ProxyConfig{ConfigId: c.configID, ConfigJson: string(c.JSON())}
}

// SizeVT returns the size of the protobuf form.
func (c *proxyConfig) SizeVT() int {
	return c.wire().SizeVT()
}

// MarshalToSizedBufferVT writes the protobuf form to the end of dAtA.
func (c *proxyConfig) MarshalToSizedBufferVT(dAtA []byte) (int, error) {
	return c.wire().MarshalToSizedBufferVT(dAtA)
}

// MarshalVT returns the protobuf form (a ProxyConfig message).
func (c *proxyConfig) MarshalVT() ([]byte, error) {
	return c.wire().MarshalVT()
}

// UnmarshalVT reads the protobuf form of a proxy config of the same config
// ID. Anything else is an error, so that hot_plugin.ConvertConfig falls
// back to JSON for a config of another type.
func (c *proxyConfig) UnmarshalVT(data []byte) error {
	var w ProxyConfig
	if err := w.UnmarshalVT(data); err != nil {
		return fmt.Errorf("config %s: not a proxy config: %w", c.configID, err)
	}
	if w.GetConfigId() != c.configID {
		return fmt.Errorf("config %s: the protobuf data is a proxy config of %q", c.configID, w.GetConfigId())
	}
	return c.UnmarshalJSON([]byte(w.GetConfigJson()))
}

// Reset empties the config, keeping its config ID.
func (c *proxyConfig) Reset() {
	c.raw = nil
}

// decodeObject checks that data is a JSON object and returns it compacted.
func decodeObject(configID string, data []byte) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("config %s: want a JSON object (the config's fields): %w", configID, err)
	}
	if m == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		return nil, fmt.Errorf("config %s: %w", configID, err)
	}
	return buf.Bytes(), nil
}

// _ is a type assertion
var _ config.Config = ((*proxyConfig)(nil))
