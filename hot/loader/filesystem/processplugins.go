package hot_loader_filesystem

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/hotbus/hotbus/internal/preflight"
)

// processPlugins is what the Go runtime keeps of the plugins this process
// opened, for the life of the process. Every loader in the process shares
// it: a loader can't open a build another one opened ("plugin already
// loaded"), must check a plugin against the packages any plugin brought in,
// and must not open a plugin that links a package whose init panicked
// under another loader. A new loader controller (the config changed, or a
// second bus) starts with what the earlier ones left.
type processPlugins struct {
	// mu is held from the checks through plugin.Open.
	mu sync.Mutex
	// opened are the plugins plugin.Open mapped (including those whose
	// init panicked), for preflight.
	opened []*preflight.Plugin
	// builds are the builds opened, by the sha256 of the file.
	builds map[string]*openedBuild
	// poisoned are the packages whose init panicked, with the plugin
	// that brought them: no later plugin linking one may be opened.
	poisoned map[string]string
}

// process is this process's plugins.
var process = &processPlugins{
	builds:   make(map[string]*openedBuild),
	poisoned: make(map[string]string),
}

// poison records the packages that plugin p, whose init panicked, brought
// into the process: every package it links that neither the host nor a
// plugin opened before had. The runtime marked their init tasks as running
// and never finished them; a later plugin linking one of them would make
// the runtime run that task again and abort the process ("fatal error:
// recursive call during initialization - linker skew"), which no recover
// can catch.
func (pp *processPlugins) poison(host *preflight.Host, p *preflight.Plugin) {
	hostHashes, _ := host.PkgHashes()
	for pkg := range p.Hashes {
		if _, ok := hostHashes[pkg]; ok {
			continue
		}
		if slices.ContainsFunc(pp.opened, func(o *preflight.Plugin) bool {
			_, ok := o.Hashes[pkg]
			return ok
		}) {
			continue
		}
		if _, ok := pp.poisoned[pkg]; !ok {
			pp.poisoned[pkg] = p.Path
		}
	}
}

// checkPoisoned refuses a plugin that links a package whose init panicked
// in an earlier plugin (see poison).
func (pp *processPlugins) checkPoisoned(p *preflight.Plugin) error {
	var pkgs []string
	for pkg := range p.Hashes {
		if from, ok := pp.poisoned[pkg]; ok {
			pkgs = append(pkgs, fmt.Sprintf("%s (its init panicked in %s)", pkg, from))
		}
	}
	if len(pkgs) == 0 {
		return nil
	}
	slices.Sort(pkgs)
	return fmt.Errorf("plugin %s not opened: it links %s; the Go runtime would abort this process rather than run that init again. Fix the init and rebuild under a new import path (hot/compiler's per-build prefix does this for the hot packages), or restart the host",
		p.Path, strings.Join(pkgs, ", "))
}
