package hot_compiler

import (
	"time"

	hot_manifest "github.com/hotbus/hotbus/hot/manifest"
	"github.com/sirupsen/logrus"
)

// DefaultBuildPrefix is the first element of the per-build import-path
// prefix when Options.BuildPrefix is empty.
const DefaultBuildPrefix = "hotbus"

// Build targets: the values of Options.Target and of the config's target
// field.
const (
	// TargetPlugin builds a Go plugin (.cbus.so) that
	// hotbus/loader/filesystem loads into the host process: the fastest
	// reload and full fidelity, but only where Go plugins work (Linux,
	// macOS), the old code stays mapped, and a package the host links
	// can't change. The default.
	TargetPlugin = hot_manifest.TargetPlugin
	// TargetProcess builds a plain executable (.cbus.exe) whose main
	// serves the hot packages' factories over hot_ipc.Serve, run by
	// hotbus/loader/process in a child process: any package may change,
	// memory is freed when an old child exits, a crash stays in the child,
	// and it runs wherever Go runs.
	TargetProcess = hot_manifest.TargetProcess
)

// Options configure a Compiler. Only Packages and OutputDir (for Build)
// are required.
type Options struct {
	// WorkDir is where the package patterns resolve: a directory in a Go
	// module or workspace. Default: the current directory.
	WorkDir string
	// OutputDir is the plugins directory builds are published to.
	OutputDir string
	// Target is what is built: TargetPlugin ("", the default) or
	// TargetProcess. The process target builds the hot packages in the
	// module of WorkDir, with that module's own versions (go build
	// -modfile on a copy of its go.mod, -overlay adding the generated
	// main), so the module must require github.com/hotbus/hotbus (for
	// hot/ipc); nothing of the host is read or matched, and HostBinary,
	// HostModuleDir and BuildPrefix are not used.
	Target string
	// OutputName is the plugin file name; it must end in .cbus.so (the
	// process target: .cbus.exe) and
	// should contain "{buildHash}" so every build has its own file (the Go
	// runtime caches plugins by path). Older builds are removed after a
	// publish: files matching the pattern whose build manifest says this
	// binary ID and build hash published them (other files are kept).
	// Every file name the compiler makes from it, temporary names
	// included, must fit in 255 bytes (NAME_MAX): NewCompiler checks,
	// which limits a default output name's binary ID to 195 bytes.
	// Default: "<BinaryID>-{buildHash}.cbus.so" (.cbus.exe).
	OutputName string
	// BinaryID is the plugin's binary ID: the same for every build.
	// Default: DefaultBinaryID of the first package Packages match
	// ("shop-ctrl-cart" for example.com/shop/ctrl/cart in module
	// example.com/shop).
	BinaryID string
	// BinaryVersion is each build's version; "{buildHash}" is replaced.
	// Default: "{buildHash}".
	BinaryVersion string
	// CodegenDir is where build trees are generated: each build in a
	// directory of its own ("build-<pid>-<build hash>", removed after the
	// build), so processes sharing the codegen dir never write the same
	// tree; Codegen writes "<build prefix>" and keeps it. Package copies
	// that builds share are kept inside it, in CodegenDir/units, written
	// atomically and removed only under a lock no build of any process
	// holds. Every directory hotbus creates there holds a
	// ".hotbus-owned" marker file; hotbus deletes only such directories
	// (and, inside them, what it named), never a directory of the user's.
	// Default: <user cache dir>/hotbus/codegen.
	CodegenDir string
	// BuildPrefix is the first element of the per-build import-path
	// prefix "<BuildPrefix>-<hash>". Default: DefaultBuildPrefix.
	BuildPrefix string
	// HostBinary is the host executable the plugin must load into.
	// Default: this process.
	HostBinary string
	// HostModuleDir is the source directory of the host's main module when
	// the host was built from source ("(devel)"). Default: found from the
	// work dir (go list -m) or from the host binary's file paths.
	HostModuleDir string
	// KeepDebugInfo keeps the DWARF debug info in the plugins, for a
	// debugger. By default a plugin is linked with -ldflags=-w after the
	// host's own -ldflags: no DWARF, a faster link and a smaller file;
	// panics still print file:line, and the plugin loads into a host
	// linked with DWARF.
	KeepDebugInfo bool
	// GoCommand is the go command: every go command the compiler runs
	// is this one, the analysis's go list and go env included. A path, or
	// a name looked up on PATH. Default: "go" on PATH. Its version must be
	// the host's (the process target: any version).
	GoCommand string
	// Progress, if set, is called as a plugin's go build goes on: each
	// time a package starts to compile, when the packages the build
	// compiles are counted (after a second, or at once when it compiles
	// the Go runtime), and once when the go build ends (Finished). It is
	// called from the build's goroutines, one call at a time per build,
	// and must return quickly. The compiler also logs the progress of a
	// build that runs longer than a few seconds, and says so when it
	// compiles the runtime (a cold build cache).
	Progress func(BuildProgress)
	// Packages are the package patterns of the hot packages; each package
	// must declare NewFactory(b bus.Bus) T with T a controller.Factory.
	Packages []string
	// KeepCodegen keeps the build tree after a build (success or not),
	// at Result.CodegenDir, while this process runs: a later compiler
	// removes the trees of processes that are gone.
	KeepCodegen bool
	// NoCleanup keeps older builds in the output dir.
	NoCleanup bool
	// Logger receives progress logs. Default: a logger that discards.
	Logger *logrus.Entry
}

// Result is the outcome of a Build or Codegen.
type Result struct {
	// PluginPath is the published plugin (Build only).
	PluginPath string
	// CodegenDir is the build tree, if it was kept.
	CodegenDir string
	// Build is the build manifest.
	Build *hot_manifest.Build
	// Unchanged is true when a plugin with the same build hash was
	// already published and nothing was rebuilt.
	Unchanged bool
	// Removed are older builds removed from the output dir.
	Removed []string
	// Timings are how long each step took.
	Timings Timings
}

// Timings are the durations of a build's steps.
type Timings struct {
	// Analysis covers loading the packages and reading the host.
	Analysis time.Duration
	// Codegen covers writing the build tree.
	Codegen time.Duration
	// Build is the go build.
	Build time.Duration
	// Publish covers verification, publishing and cleanup.
	Publish time.Duration
}
