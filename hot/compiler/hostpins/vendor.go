package hostpins

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// A host built in vendor mode (a vendor directory in its main module)
// without -trimpath compiled its dependencies from
// <module dir>/vendor/<module path>, and those file paths are part of
// what the Go runtime compares when it opens a plugin: the same packages
// compiled from the module cache are "a different version". The plugin
// is then built from the host's own vendor directory: each vendored
// module is replaced with its directory there, and since vendor
// directories hold no go.mod files, the build gets them through the go
// command's -overlay flag (module path and the go version that
// vendor/modules.txt records), so the sources, paths and language
// versions are the host's.

// hostVendored reports whether the host was built in vendor mode: build info
// records the modules of a vendor directory without their go.sum hashes,
// which a module-mode build always has for a module it downloaded.
func hostVendored(h *Host) bool {
	for _, d := range h.Deps {
		if d.Replace == nil && d.Version != "" && d.Version != develVersion && d.Sum == "" {
			return true
		}
	}
	return false
}

// VendorPlan is how the plugin uses the host's vendor directory.
type VendorPlan struct {
	// Dir is the host main module's vendor directory.
	Dir string
	// GoMods are the go.mod files the build must add with the go
	// command's -overlay flag, by the path the go command reads
	// (<Dir>/<module path>/go.mod).
	GoMods map[string][]byte
}

// planVendor reads the vendor directory of the host's main module
// (mainDir) and replaces every vendored host module in reqs with its
// directory there. It fails when the directory is not the one the host
// was built from.
func planVendor(host *Host, mainDir string, reqs map[string]ModReq) (*VendorPlan, error) {
	dir := filepath.Join(mainDir, "vendor")
	txt := filepath.Join(dir, "modules.txt")
	goVersions, err := readVendorModules(txt)
	if err != nil {
		return nil, fmt.Errorf("host %s was built from a vendor directory without -trimpath: its packages can only be matched "+
			"by building the plugin from the same vendor directory, and %w; run go mod vendor in %s, or build the host with -trimpath",
			host.Name(), err, mainDir)
	}
	vp := &VendorPlan{Dir: dir, GoMods: map[string][]byte{}}
	for _, d := range host.Deps {
		if d.Path == host.Main.Path {
			continue
		}
		gv, ok := goVersions[d.Path]
		if !ok {
			return nil, fmt.Errorf("host %s was built from a vendor directory without -trimpath, but %s does not list module %s "+
				"it linked: the vendor directory changed since the host was built; rebuild the host, or build it with -trimpath",
				host.Name(), txt, d.Path)
		}
		mdir := filepath.Join(dir, filepath.FromSlash(d.Path))
		r := reqs[d.Path]
		r.ReplacePath, r.ReplaceVersion, r.Devel = mdir, "", false
		reqs[d.Path] = r
		gomod := "module " + d.Path + "\n"
		if gv != "" {
			gomod += "\ngo " + gv + "\n"
		}
		vp.GoMods[filepath.Join(mdir, "go.mod")] = []byte(gomod)
	}
	return vp, nil
}

// readVendorModules returns the go version vendor/modules.txt records
// for each module in it ("" if none).
func readVendorModules(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	out := map[string]string{}
	cur := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# "):
			f := strings.Fields(line[2:])
			cur = ""
			if len(f) >= 2 && f[1] != "=>" {
				cur = f[0]
				out[cur] = ""
			}
		case strings.HasPrefix(line, "## ") && cur != "":
			for _, a := range strings.Split(line[3:], ";") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(a), "go "); ok {
					out[cur] = v
				}
			}
		}
	}
	return out, sc.Err()
}

// isVendorReplace reports whether dir is the directory of module path in
// a vendor directory.
func isVendorReplace(path, dir string) bool {
	return strings.HasSuffix(filepath.ToSlash(dir), "/vendor/"+path)
}
