package hot_loader_filesystem

import (
	"os"
	"time"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/fsnotify/fsnotify"
	hot_loader "github.com/hotbus/hotbus/hot/loader"
	"github.com/sirupsen/logrus"
)

// TestHooks replace parts of the loaders a test factory makes; zero fields
// keep the defaults.
type TestHooks struct {
	// StopTimeout replaces hot_loader.StopTimeout.
	StopTimeout time.Duration
	// ReadDir replaces os.ReadDir for listing the plugins dir.
	ReadDir func(string) ([]os.DirEntry, error)
	// Stat replaces os.Stat for plugin files.
	Stat func(string) (os.FileInfo, error)
	// NewWatcher replaces fsnotify.NewWatcher.
	NewWatcher func() (*fsnotify.Watcher, error)
}

// NewTestFactory is NewFactory whose loaders use h.
func NewTestFactory(b bus.Bus, h TestHooks) controller.Factory {
	return bus.NewBusFactory(b, ConfigID, Version, NewConfig, func(le *logrus.Entry, b bus.Bus, conf *Config) (*Controller, error) {
		return newController(le, b, conf, hot_loader.Config{
			StopTimeout: h.StopTimeout,
			ReadDir:     h.ReadDir,
			Stat:        h.Stat,
			NewWatcher:  h.NewWatcher,
		})
	})
}
