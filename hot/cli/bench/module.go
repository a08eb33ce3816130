package hot_cli_bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"
)

// benchModule is the module path of the generated temp modules.
const benchModule = "example.com/hotbench"

// startKey is the log field every bench controller sets when its Execute
// runs: its value is the generation of the code that runs.
const (
	synStartKey  = "bench-gen"
	demoStartKey = "greeting"
)

// pkg is one controller package of a scenario's temp module.
type pkg struct {
	// dir is the package directory relative to the module root.
	dir string
	// name is the package name.
	name string
	// configID is the package's config ID.
	configID string
}

// importPath returns the package's import path.
func (p pkg) importPath() string { return benchModule + "/" + p.dir }

// kind is what a scenario's temp module holds.
type kind int

const (
	// kindSyn is generated controller packages in the shape of
	// hot/testdata/reload/counter.
	kindSyn kind = iota
	// kindDemo is example/hot-demo/demo.
	kindDemo
	// kindWide is one generated controller package of many files.
	kindWide
	// kindService is a controller package using gRPC, x/net and
	// protobuf, and a host that links a service's dependencies and
	// warms a cache for about a second before it is ready.
	kindService
)

// scenario is a set of controller packages in a temp module, with the
// one-line edit the bench makes to one of them.
type scenario struct {
	// name names the scenario in the table and the JSON.
	name string
	// what describes the scenario for the report.
	what string
	// kind is what the temp module holds.
	kind kind
	// files is the number of Go files of the package of a kindWide
	// scenario.
	files int
	// pkgs are the controller packages; pkgs[0] is the one edited.
	pkgs []pkg
	// startKey is the log field the controllers set when they start.
	startKey string
	// editRe matches the line the edit rewrites in editFile.
	editRe *regexp.Regexp
	// editLine returns the rewritten line for generation gen.
	editLine func(gen int) string
	// genValue returns the value of startKey that generation gen logs.
	genValue func(gen int) string
	// mod is the temp module's root directory (set by write).
	mod string
	// gen is the generation currently written.
	gen int
}

// editFile is the edited source file.
func (s *scenario) editFile() string {
	return filepath.Join(s.mod, s.pkgs[0].dir, "controller.go")
}

// templates are the files of the hotbus repository the bench copies.
type templates struct {
	goMod, goSum []byte
	counterPB    []byte
	demoFiles    map[string][]byte
	// repoGoMod and repoGoSum are the hotbus module's own go.mod and
	// go.sum: the service scenario requires the modules hotbus requires,
	// at the same versions, so the module cache has them.
	repoGoMod, repoGoSum []byte
	// serviceFiles are the service scenario's sources (testdata/service
	// of this package), by slash path relative to the temp module.
	serviceFiles map[string][]byte
}

// readTemplates reads the fixture module and the demo package from the
// hotbus repository at repo.
func readTemplates(repo string) (*templates, error) {
	t := &templates{demoFiles: map[string][]byte{}, serviceFiles: map[string][]byte{}}
	read := func(rel string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(repo, filepath.FromSlash(rel)))
		if err != nil {
			return nil, fmt.Errorf("read template %s (run the bench from the hotbus repository, or pass its path): %w", rel, err)
		}
		return b, nil
	}
	var err error
	if t.goMod, err = read("hot/testdata/reload/go.mod"); err != nil {
		return nil, err
	}
	if t.goSum, err = read("hot/testdata/reload/go.sum"); err != nil {
		return nil, err
	}
	if t.counterPB, err = read("hot/testdata/reload/counter/config.pb.go"); err != nil {
		return nil, err
	}
	if t.repoGoMod, err = read("go.mod"); err != nil {
		return nil, err
	}
	if t.repoGoSum, err = read("go.sum"); err != nil {
		return nil, err
	}
	for _, f := range []string{"host/main.go", "host/app.go", "host/media.go", "host/text.go", "svc/controller.go"} {
		if t.serviceFiles[f], err = read(serviceFixture + "/" + f); err != nil {
			return nil, err
		}
	}
	for _, f := range []string{"config.go", "config.pb.go", "controller.go"} {
		b, err := read("example/hot-demo/demo/" + f)
		if err != nil {
			return nil, err
		}
		t.demoFiles[f] = b
	}
	return t, nil
}

// newScenario returns the scenario called name: "demo", "service",
// "synN" (N generated packages) or "wideN" (one package of N files).
func newScenario(name string) (*scenario, error) {
	switch name {
	case "demo":
		return demoScenario(), nil
	case "service":
		return serviceScenario(), nil
	}
	for prefix, mk := range map[string]func(int) *scenario{"syn": synScenario, "wide": wideScenario} {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			n, err := strconv.Atoi(rest)
			if err != nil || n < 1 || n > 1000 {
				break
			}
			if prefix == "wide" && n < 3 {
				break
			}
			return mk(n), nil
		}
	}
	return nil, fmt.Errorf("unknown scenario %q: want demo, service, synN (N packages, 1 to 1000) or wideN (one package of N files, 3 to 1000)", name)
}

// demoScenario is the hot-demo's demo controller package, alone.
func demoScenario() *scenario {
	return &scenario{
		name:     "demo",
		what:     "example/hot-demo/demo copied into a temp module (the demo package alone)",
		kind:     kindDemo,
		pkgs:     []pkg{{dir: "demo", name: "demo", configID: "hotbus/example/demo"}},
		startKey: demoStartKey,
		editRe:   regexp.MustCompile(`(?m)^const Greeting = .*$`),
		editLine: func(gen int) string { return fmt.Sprintf("const Greeting = \"hello-%d\"", gen) },
		genValue: func(gen int) string { return fmt.Sprintf("hello-%d", gen) },
	}
}

// genEdit sets the edit of a generated package: const Generation = N.
func (s *scenario) genEdit() *scenario {
	s.startKey = synStartKey
	s.editRe = regexp.MustCompile(`(?m)^const Generation = .*$`)
	s.editLine = func(gen int) string { return fmt.Sprintf("const Generation = %d", gen) }
	s.genValue = func(gen int) string { return fmt.Sprint(gen) }
	return s
}

// synScenario is n generated controller packages, each with a config.
func synScenario(n int) *scenario {
	s := &scenario{
		name: fmt.Sprintf("syn%d", n),
		what: fmt.Sprintf("%d generated controller packages (the shape of hot/testdata/reload/counter), one plugin", n),
		kind: kindSyn,
	}
	for i := range n {
		name := fmt.Sprintf("p%02d", i)
		s.pkgs = append(s.pkgs, pkg{dir: name, name: name, configID: "bench/" + name})
	}
	return s.genEdit()
}

// wideScenario is one generated controller package of n Go files: the
// three of a syn package and n-3 files of helpers the controller calls.
func wideScenario(n int) *scenario {
	s := &scenario{
		name:  fmt.Sprintf("wide%d", n),
		what:  fmt.Sprintf("one generated controller package of %d files (a syn package and %d files of helpers)", n, n-3),
		kind:  kindWide,
		files: n,
		pkgs:  []pkg{{dir: "wide", name: "wide", configID: "bench/wide"}},
	}
	return s.genEdit()
}

// serviceScenario is a controller package that uses gRPC, x/net and
// protobuf in a host that links a service's dependencies and warms a
// cache for about a second at startup.
func serviceScenario() *scenario {
	s := &scenario{
		name: "service",
		what: "a controller using gRPC, x/net and protobuf; the static host also serves gRPC over h2c and warms a cache for 1 s at startup",
		kind: kindService,
		pkgs: []pkg{{dir: "svc", name: "svc", configID: "bench/svc"}},
	}
	return s.genEdit()
}

// serviceFixture is the service scenario's sources in the hotbus
// repository.
const serviceFixture = "hot/cli/bench/testdata/service"

// goMod returns the scenario's go.mod: the reload fixture's, renamed; the
// service scenario's also requires every module the hotbus module
// requires (gRPC, x/net, protobuf, go-plugin, ...), at its versions.
func (s *scenario) goMod(t *templates) ([]byte, error) {
	f, err := modfile.Parse("go.mod", t.goMod, nil)
	if err != nil {
		return nil, fmt.Errorf("hot/testdata/reload/go.mod: %w", err)
	}
	if err := f.AddModuleStmt(benchModule); err != nil {
		return nil, fmt.Errorf("hot/testdata/reload/go.mod: %w", err)
	}
	if s.kind == kindService {
		repo, err := modfile.Parse("go.mod", t.repoGoMod, nil)
		if err != nil {
			return nil, fmt.Errorf("the hotbus go.mod: %w", err)
		}
		for _, r := range repo.Require {
			if slices.ContainsFunc(f.Require, func(have *modfile.Require) bool { return have.Mod.Path == r.Mod.Path }) {
				continue
			}
			f.AddNewRequire(r.Mod.Path, r.Mod.Version, r.Indirect)
		}
	}
	f.Cleanup()
	return f.Format()
}

// goSum returns the scenario's go.sum: the reload fixture's, and for the
// service scenario the hotbus module's lines too.
func (s *scenario) goSum(t *templates) []byte {
	if s.kind != kindService {
		return t.goSum
	}
	seen := map[string]bool{}
	var b bytes.Buffer
	for _, line := range strings.SplitAfter(string(t.goSum)+string(t.repoGoSum), "\n") {
		if strings.TrimSpace(line) != "" && !seen[line] {
			seen[line] = true
			b.WriteString(line)
		}
	}
	return b.Bytes()
}

// write generates the scenario's temp module in dir: go.mod and go.sum
// from the reload fixture, the controller packages, a plain plugin main
// (floor/) and a static host (host/).
func (s *scenario) write(dir string, t *templates) error {
	s.mod = dir
	goMod, err := s.goMod(t)
	if err != nil {
		return fmt.Errorf("write temp module: %w", err)
	}
	files := map[string][]byte{"go.mod": goMod, "go.sum": s.goSum(t)}
	for _, p := range s.pkgs {
		if s.kind == kindDemo {
			for name, b := range t.demoFiles {
				files[filepath.Join(p.dir, name)] = b
			}
			continue
		}
		pb := regexp.MustCompile(`(?m)^package counter$`).ReplaceAll(t.counterPB, []byte("package "+p.name))
		pb = bytes.ReplaceAll(pb, []byte("example.com/reload/counter/"), []byte(p.importPath()+"/"))
		files[filepath.Join(p.dir, "config.pb.go")] = pb
		files[filepath.Join(p.dir, "config.go")] = fmt.Appendf(nil, synConfig, p.name, p.name, p.configID)
		switch s.kind {
		case kindService:
			files[filepath.Join(p.dir, "controller.go")] = t.serviceFiles["svc/controller.go"]
		case kindWide:
			files[filepath.Join(p.dir, "controller.go")] = fmt.Appendf(nil, wideController, p.configID, synStartKey, s.files-3)
			for i := range s.files - 3 {
				n := fmt.Sprintf("%03d", i)
				files[filepath.Join(p.dir, "part"+n+".go")] = []byte(strings.ReplaceAll(widePart, "NNN", n))
			}
		default:
			files[filepath.Join(p.dir, "controller.go")] = fmt.Appendf(nil, synController, p.name, p.name, p.configID, s.name, synStartKey)
		}
	}
	files[filepath.Join("floor", "main.go")] = s.floorMain()
	if s.kind == kindService {
		for _, f := range []string{"main.go", "app.go", "media.go", "text.go"} {
			files[filepath.Join("host", f)] = t.serviceFiles["host/"+f]
		}
	} else {
		files[filepath.Join("host", "main.go")] = s.hostMain()
	}
	for rel, b := range files {
		path := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("write temp module: %w", err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return fmt.Errorf("write temp module: %w", err)
		}
	}
	return s.edit(1)
}

// edit rewrites the edited line for generation gen with os.WriteFile, as
// an editor that saves in place.
func (s *scenario) edit(gen int) error {
	path := s.editFile()
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("edit: %w", err)
	}
	if !s.editRe.Match(src) {
		return fmt.Errorf("edit: %s has no line matching %s", path, s.editRe)
	}
	src = s.editRe.ReplaceAll(src, []byte(s.editLine(gen)))
	if err := os.WriteFile(path, src, 0o644); err != nil {
		return fmt.Errorf("edit: %w", err)
	}
	s.gen = gen
	return nil
}

// floorMain is a plain plugin main importing the scenario's packages.
func (s *scenario) floorMain() []byte {
	var b strings.Builder
	b.WriteString("// Package main is the bench's plain plugin: no hotbus, the same packages.\npackage main\n\nimport (\n")
	b.WriteString("\t\"github.com/aperturerobotics/controllerbus/bus\"\n\t\"github.com/aperturerobotics/controllerbus/controller\"\n")
	for _, p := range s.pkgs {
		fmt.Fprintf(&b, "\t%s %q\n", p.name, p.importPath())
	}
	b.WriteString(")\n\n// Factories returns the packages' factories.\nfunc Factories(b bus.Bus) []controller.Factory {\n\treturn []controller.Factory{\n")
	for _, p := range s.pkgs {
		fmt.Fprintf(&b, "\t\t%s.NewFactory(b),\n", p.name)
	}
	b.WriteString("\t}\n}\n\nfunc main() {}\n")
	return []byte(b.String())
}

// hostMain is a host that links the packages statically, starts one
// controller of each, prints "ready" once all of them run, and exits.
func (s *scenario) hostMain() []byte {
	var b strings.Builder
	b.WriteString(`// Package main is the bench's static host: what a rebuild-and-restart tool runs.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/aperturerobotics/controllerbus/controller/resolver"
	"github.com/aperturerobotics/controllerbus/core"
	"github.com/sirupsen/logrus"
`)
	for _, p := range s.pkgs {
		fmt.Fprintf(&b, "\t%s %q\n", p.name, p.importPath())
	}
	fmt.Fprintf(&b, `)

type hook struct{ n atomic.Int32 }

func (h *hook) Levels() []logrus.Level { return logrus.AllLevels }

func (h *hook) Fire(e *logrus.Entry) error {
	if _, ok := e.Data[%q]; ok && h.n.Add(1) == %d {
		fmt.Println("ready")
		os.Exit(0)
	}
	return nil
}

func main() {
	ctx := context.Background()
	log := logrus.New()
	log.Out = io.Discard
	log.AddHook(&hook{})
	le := logrus.NewEntry(log)
	b, sr, err := core.NewCoreBus(ctx, le)
	if err != nil {
		panic(err)
	}
`, s.startKey, len(s.pkgs))
	for _, p := range s.pkgs {
		fmt.Fprintf(&b, "\tsr.AddFactory(%s.NewFactory(b))\n", p.name)
		fmt.Fprintf(&b, "\tif _, _, err := b.AddDirective(resolver.NewLoadControllerWithConfig(&%s.Config{Name: \"bench\"}), nil); err != nil {\n\t\tpanic(err)\n\t}\n", p.name)
	}
	b.WriteString("\tselect {}\n}\n")
	return []byte(b.String())
}

// synConfig is config.go of a generated package: name, name, config ID.
const synConfig = `package %s

import (
	"errors"

	"github.com/aperturerobotics/controllerbus/config"
)

// ConfigID is the config ID of the %s controller.
const ConfigID = %q

// NewConfig constructs the config object.
func NewConfig() *Config {
	return &Config{}
}

// Validate validates the configuration.
func (c *Config) Validate() error {
	if c.GetName() == "" {
		return errors.New("name must be set")
	}
	return nil
}

// GetConfigID returns the config ID.
func (c *Config) GetConfigID() string {
	return ConfigID
}

// EqualsConfig checks if the other config is equal.
func (c *Config) EqualsConfig(other config.Config) bool {
	return config.EqualsConfig[*Config](c, other)
}
`

// synController is controller.go of a generated package: name, name,
// config ID, scenario name, start key.
const synController = `// Package %s is a controller generated by hot-builder bench.
package %s

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/aperturerobotics/controllerbus/bus"
	"github.com/aperturerobotics/controllerbus/controller"
	"github.com/aperturerobotics/controllerbus/directive"
	"github.com/sirupsen/logrus"
)

// Generation is rewritten by the bench at every edit.
const Generation = 0

// ControllerID is the controller ID.
const ControllerID = %q

// Scenario is the bench scenario the package was generated for: the
// same package in two scenarios run by one bench process is two
// different sources, so their builds never share an import path.
const Scenario = %q

// Version is the controller version.
var Version = controller.MustParseVersion("0.0.1")

// Controller logs when it starts and counts what it is asked.
type Controller struct {
	le   *logrus.Entry
	conf *Config
	// mu guards asked: the bus calls HandleDirective concurrently.
	mu    sync.Mutex
	asked map[string]int
}

// NewController constructs a controller.
func NewController(le *logrus.Entry, b bus.Bus, conf *Config) (*Controller, error) {
	return &Controller{le: le, conf: conf, asked: map[string]int{}}, nil
}

// NewFactory builds the factory.
func NewFactory(b bus.Bus) *bus.BusFactory[*Config, *Controller] {
	return bus.NewBusFactory(b, ConfigID, Version, NewConfig, NewController)
}

// GetControllerInfo returns the controller info.
func (c *Controller) GetControllerInfo() *controller.Info {
	return controller.NewInfo(ControllerID, Version, "bench controller "+c.describe())
}

// HandleDirective counts the directives it sees and handles none.
func (c *Controller) HandleDirective(ctx context.Context, di directive.Instance) ([]directive.Resolver, error) {
	c.mu.Lock()
	c.asked[fmt.Sprintf("%%T", di.GetDirective())]++
	c.mu.Unlock()
	return nil, nil
}

// Execute logs its generation and runs until ctx ends.
func (c *Controller) Execute(ctx context.Context) error {
	c.le.WithField(%q, fmt.Sprint(Generation)).Info("bench controller running")
	<-ctx.Done()
	return nil
}

// describe summarizes the config.
func (c *Controller) describe() string {
	return strings.TrimSpace(fmt.Sprintf("%%s %%d", c.conf.GetName(), c.conf.GetCount()))
}

// Close releases nothing.
func (c *Controller) Close() error {
	return nil
}

// _ is a type assertion
var _ controller.Controller = ((*Controller)(nil))
`
