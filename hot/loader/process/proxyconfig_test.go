package hot_loader_process

import (
	"strings"
	"testing"

	"github.com/aperturerobotics/controllerbus/config"

	"github.com/hotbus/hotbus/hot/ipc/testdata/fixture"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
)

// TestProxyConfigKeepsData: a proxy config keeps its JSON object with
// every field (the child judges them), round-trips through protobuf bytes
// for the same config ID only, and takes a config of another type with
// the same config ID through hot_plugin.ConvertConfig (as JSON).
func TestProxyConfigKeepsData(t *testing.T) {
	c := newProxyConfig(fixture.ConfigID)
	if err := c.UnmarshalJSON([]byte(`{"name": "x", "unknownField": [1, 2]}`)); err != nil {
		t.Fatal(err)
	}
	if got := string(c.JSON()); got != `{"name":"x","unknownField":[1,2]}` {
		t.Errorf("JSON: %s, want every field kept", got)
	}
	if err := newProxyConfig(fixture.ConfigID).UnmarshalJSON([]byte(`[1]`)); err == nil || !strings.Contains(err.Error(), fixture.ConfigID) {
		t.Errorf("a JSON array: %v, want an error naming the config ID", err)
	}

	data, err := c.MarshalVT()
	if err != nil {
		t.Fatal(err)
	}
	back := newProxyConfig(fixture.ConfigID)
	if err := back.UnmarshalVT(data); err != nil || !back.EqualsConfig(c) {
		t.Errorf("protobuf round trip: %v, %s, want %s", err, back.JSON(), c.JSON())
	}
	if err := newProxyConfig("other/id").UnmarshalVT(data); err == nil {
		t.Error("protobuf data of another config ID was accepted")
	}

	conv, err := hot_plugin.ConvertConfig(&fixture.Config{Name: "from-a-plugin", Count: 4}, func() config.Config { return newProxyConfig(fixture.ConfigID) })
	if err != nil {
		t.Fatal(err)
	}
	if got := string(conv.(*proxyConfig).JSON()); got != `{"name":"from-a-plugin","count":4}` {
		t.Errorf("converted: %s", got)
	}
	if newProxyConfig(fixture.ConfigID).Validate() != nil || (&proxyConfig{}).Validate() == nil {
		t.Error("Validate: want an empty object valid, a config without ID invalid")
	}
}
