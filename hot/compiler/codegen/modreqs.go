package codegen

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hotbus/hotbus/hot/compiler/analysis"
	"github.com/hotbus/hotbus/hot/compiler/hostpins"
	"golang.org/x/tools/go/packages"
)

// Requirements adds the overlay and unit modules of t to reqs, the
// host's requirements (hostpins.Plan), records where each requirement
// comes from in t.Origins, and returns them sorted by module path.
func Requirements(host *hostpins.Host, a *analysis.Analysis, t *Tree, reqs map[string]hostpins.ModReq) ([]hostpins.ModReq, error) {
	// The overlays and the units.
	ovs := make([]*Overlay, 0, len(t.Overlays)+len(t.Units))
	for _, ov := range t.Overlays {
		ovs = append(ovs, ov)
	}
	for _, ov := range t.Units {
		ovs = append(ovs, ov)
	}
	for _, ov := range ovs {
		rel, err := filepath.Rel(t.MainDir, ov.Dir)
		if err != nil {
			return nil, fmt.Errorf("codegen: overlay %s: %w", ov.Path, err)
		}
		rel = filepath.ToSlash(rel)
		if !strings.HasPrefix(rel, "../") {
			rel = "./" + rel
		}
		reqs[ov.Path] = hostpins.ModReq{Path: ov.Path, Version: ov.Version, ReplacePath: rel}
	}
	t.Origins = origins(host, a, t, reqs)
	out := make([]hostpins.ModReq, 0, len(reqs))
	for _, r := range reqs {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// origins says where each requirement of the plugin main module comes
// from, in terms of the user's files and settings.
func origins(host *hostpins.Host, a *analysis.Analysis, t *Tree, reqs map[string]hostpins.ModReq) map[string]string {
	out := make(map[string]string, len(reqs))
	for path, r := range reqs {
		switch {
		case path == host.Main.Path:
			out[path] = "the host's main module " + path + " (build info of host " + host.Name() + ")"
		case host.Dep(path) != nil:
			out[path] = "module " + path + " " + r.Version + " as the host was built with it (build info of host " + host.Name() + ")"
		case a.Modules[path] != nil:
			out[path] = "module " + path + " that the hot packages import" + goModNote(a.Modules[path])
		}
	}
	for _, ov := range t.Overlays {
		out[ov.Path] = "the copy of module " + ov.Orig + goModNote(a.Modules[ov.Orig])
	}
	for _, ov := range t.Units {
		dir := ""
		for _, p := range a.All() {
			if p.ImportPath == ov.Unit {
				dir = " in " + p.Dir
			}
		}
		out[ov.Path] = "the copy of package " + ov.Unit + dir + " (module " + ov.Orig + goModNote(a.Modules[ov.Orig]) + ")"
	}
	return out
}

// goModNote names m's go.mod file, if known.
func goModNote(m *packages.Module) string {
	if m == nil {
		return ""
	}
	if gm := analysis.GoModOf(m); gm != "" {
		return ", " + gm
	}
	return ""
}

// vendorOverlayName is the overlay file of a tree, in Tree.Dir.
const vendorOverlayName = "vendor-overlay.json"

// WriteVendorOverlay writes the go.mod files of vp into the tree and the
// overlay file that maps them into the vendor directory, and sets
// t.GoOverlay.
func (t *Tree) WriteVendorOverlay(vp *hostpins.VendorPlan) error {
	replace := make(map[string]string, len(vp.GoMods))
	for target, data := range vp.GoMods {
		rel, err := filepath.Rel(vp.Dir, target)
		if err != nil {
			return fmt.Errorf("codegen: vendor overlay: %w", err)
		}
		file := filepath.Join(t.Dir, "vendor-modules", rel)
		if err := WriteFile(file, data); err != nil {
			return err
		}
		replace[target] = file
	}
	data, err := json.MarshalIndent(struct{ Replace map[string]string }{replace}, "", "\t")
	if err != nil {
		return fmt.Errorf("codegen: vendor overlay: %w", err)
	}
	path := filepath.Join(t.Dir, vendorOverlayName)
	if err := WriteFile(path, data); err != nil {
		return err
	}
	t.GoOverlay = path
	return nil
}
