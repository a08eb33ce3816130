package hot_plugin_test

import (
	"strings"
	"testing"

	"github.com/aperturerobotics/controllerbus/config"
	hot_plugin "github.com/hotbus/hotbus/hot/plugin"
	"github.com/hotbus/hotbus/hot/plugin/internal/testctrl"
)

func TestConvertConfigCarriesFieldsToAnotherType(t *testing.T) {
	got, err := hot_plugin.ConvertConfig(&testctrl.Config{Name: "n", Count: 3}, newV2)
	if err != nil {
		t.Fatal(err)
	}
	v2, ok := got.(*testctrl.ConfigV2)
	if !ok || v2.GetName() != "n" || v2.GetCount() != 3 {
		t.Fatalf("ConvertConfig = %#v, want *ConfigV2{Name: n, Count: 3}", got)
	}
}

func TestConvertConfigKeepsTheSameType(t *testing.T) {
	in := &testctrl.ConfigV2{Name: "n"}
	got, err := hot_plugin.ConvertConfig(in, newV2)
	if err != nil || got != in {
		t.Fatalf("ConvertConfig(same type) = %p, %v; want the input %p", got, err, in)
	}
}

func TestConvertConfigErrorsNameTheIDAndBothTypes(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   config.Config
		want []string
	}{
		{"other config ID", &otherConfig{ExampleField: "x"},
			[]string{"controllerbus/example/boilerplate", testctrl.ConfigID, "*boilerplate_controller.Config", "*testctrl.ConfigV2"}},
		{"invalid after conversion", &testctrl.Config{},
			[]string{testctrl.ConfigID, "*testctrl.Config", "*testctrl.ConfigV2", "name must be set"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := hot_plugin.ConvertConfig(tc.in, newV2)
			if err == nil {
				t.Fatal("ConvertConfig: no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

func newV2() config.Config { return &testctrl.ConfigV2{} }
