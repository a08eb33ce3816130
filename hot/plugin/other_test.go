package hot_plugin_test

import "github.com/aperturerobotics/controllerbus/example/boilerplate/controller"

// otherConfig is a config with an ID no test factory has.
type otherConfig = boilerplate_controller.Config
