// Package preflight tells, before plugin.Open, whether the Go runtime will
// accept a plugin in this host, and if not, why.
//
// A failed plugin.Open can't be undone: the library stays mapped and the
// path keeps failing. So the loader asks first. The verdict is the runtime's
// own: the linker writes, for every package a binary links, a fingerprint of
// the package as the symbol "go:link.pkghashbytes.<package>" in host
// executables that can load plugins and in plugins. plugin.Open refuses a
// plugin when any package it shares with what is already loaded (the host,
// and plugins opened before) has another fingerprint. [Check] compares the
// same symbols with debug/elf. The explanation comes from build info: the
// Go version, the build settings of hostinfo's table (-trimpath, -tags,
// CGO_ENABLED, GOARCH/GOAMD64, -race, -pgo, -cover, ...) and the version or replacement
// of every module both binaries contain.
//
// Everything here is pure: it reads files and returns values.
package preflight

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hotbus/hotbus/internal/hostinfo"
)

// PkgHashPrefix starts the name of the symbol that holds a package's
// fingerprint in binaries that use plugins.
const PkgHashPrefix = "go:link.pkghashbytes."

// pluginPathSymbol holds a plugin's plugin path (its main package's import
// path or -ldflags=-pluginpath).
const pluginPathSymbol = "go:link.thispluginpath"

// ErrNoPluginSupport is the cause when the host executable has no package
// fingerprints: it does not link package "plugin" (or is not dynamically
// linked), so it can't load plugins at all.
var ErrNoPluginSupport = errors.New("preflight: the host executable can't load plugins: it has no go:link.pkghash symbols (it does not import package \"plugin\", or was linked statically); import a plugin loader (hot/loader/filesystem) into the host and build it with cgo enabled")

// Host is the executable plugins are loaded into: its build info (read
// once, by hostinfo) and, read on first use, its package fingerprints.
type Host struct {
	*hostinfo.Host
	// Path is the executable's path.
	Path string

	once   sync.Once
	hashes map[string][]byte
	err    error
}

// NewHost describes the executable whose build info is h, for checks of
// plugins against it.
func NewHost(h *hostinfo.Host) (*Host, error) {
	path, err := h.Executable()
	if err != nil {
		return nil, fmt.Errorf("preflight: %w", err)
	}
	return &Host{Host: h, Path: path}, nil
}

// CurrentHost describes the running executable: os.Executable and
// runtime/debug.ReadBuildInfo.
func CurrentHost() (*Host, error) {
	h, err := hostinfo.Current()
	if err != nil {
		return nil, fmt.Errorf("preflight: %w", err)
	}
	return NewHost(h)
}

// ReadHost describes the executable at path, read with debug/buildinfo.
func ReadHost(path string) (*Host, error) {
	h, err := hostinfo.Read(path)
	if err != nil {
		return nil, fmt.Errorf("preflight: %w", err)
	}
	return NewHost(h)
}

// PkgHashes returns the package fingerprints of the host executable,
// reading them once. A host without any returns ErrNoPluginSupport.
func (h *Host) PkgHashes() (map[string][]byte, error) {
	h.once.Do(func() {
		f, err := elf.Open(h.Path)
		if err != nil {
			h.err = fmt.Errorf("preflight: read host executable %s: %w", h.Path, err)
			return
		}
		defer f.Close()
		h.hashes, _, h.err = readSymbols(f)
		if h.err != nil {
			h.err = fmt.Errorf("preflight: read symbols of host %s: %w", h.Path, h.err)
			return
		}
		if len(h.hashes) == 0 {
			h.err = fmt.Errorf("host %s: %w", h.Path, ErrNoPluginSupport)
		}
	})
	return h.hashes, h.err
}

// Plugin is what preflight read from a plugin file.
type Plugin struct {
	// Path is the plugin file.
	Path string
	// PluginPath is the plugin path the runtime knows the plugin by (the
	// main package's import path unless set with -ldflags=-pluginpath).
	// Two plugins with one plugin path can't both be opened.
	PluginPath string
	// Info is the plugin's build info.
	Info *debug.BuildInfo
	// Hashes are the fingerprints of the packages the plugin links.
	Hashes map[string][]byte
}

// ReadPlugin reads a plugin file: checks that it is a complete ELF shared
// object and reads its package fingerprints, plugin path and build info.
func ReadPlugin(path string) (*Plugin, error) {
	if err := checkELF(path); err != nil {
		return nil, err
	}
	f, err := elf.Open(path)
	if err != nil {
		return nil, &Error{Path: path, Err: fmt.Errorf("not a readable ELF file: %w", err)}
	}
	defer f.Close()
	hashes, pluginPath, err := readSymbols(f)
	if err != nil {
		return nil, &Error{Path: path, Err: fmt.Errorf("read symbols: %w", err)}
	}
	if len(hashes) == 0 || pluginPath == "" {
		return nil, &Error{Path: path, Err: errors.New("not a Go plugin: no go:link.pkghash or go:link.thispluginpath symbols; build it with go build -buildmode=plugin")}
	}
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil, &Error{Path: path, Err: fmt.Errorf("read build info: %w; build it with go build -buildmode=plugin", err)}
	}
	return &Plugin{Path: path, PluginPath: pluginPath, Info: info, Hashes: hashes}, nil
}

// Check returns nil if the Go runtime would accept the plugin at
// pluginPath in host, after the plugins in loaded were opened; else an
// *Error naming every mismatch and what to do. The verdict is exact (the
// runtime's own package fingerprints); build info only explains it.
func Check(host *Host, pluginPath string, loaded ...*Plugin) error {
	p, err := ReadPlugin(pluginPath)
	if err != nil {
		return err
	}
	return CheckPlugin(host, p, loaded...)
}

// CheckPlugin is Check over a plugin already read with ReadPlugin.
func CheckPlugin(host *Host, p *Plugin, loaded ...*Plugin) error {
	hostHashes, err := host.PkgHashes()
	if err != nil {
		return &Error{Path: p.Path, Err: err}
	}
	for _, l := range loaded {
		if l != nil && l.PluginPath == p.PluginPath {
			return &Error{Path: p.Path, Err: fmt.Errorf(
				"plugin path %q is already loaded in this process (from %s): the runtime refuses a second plugin with one plugin path; build it with a unique -ldflags=-pluginpath",
				p.PluginPath, l.Path)}
		}
	}
	var pkgs []string
	for pkg, hash := range p.Hashes {
		if want, ok := hostHashes[pkg]; ok {
			if !bytes.Equal(want, hash) {
				pkgs = append(pkgs, pkg)
			}
			continue
		}
		for _, l := range loaded {
			if want, ok := l.Hashes[pkg]; ok {
				if !bytes.Equal(want, hash) {
					pkgs = append(pkgs, pkg+" (loaded by "+l.Path+")")
				}
				break
			}
		}
	}
	if len(pkgs) == 0 {
		return nil
	}
	sort.Strings(pkgs)
	mismatches := Compare(host.Info, p.Info)
	for i, m := range mismatches {
		if m.Item == profileItem {
			mismatches[i].Fix = profileChange(m.Host, host.Path) + m.Fix
		}
	}
	return &Error{
		Path:       p.Path,
		Packages:   pkgs,
		Mismatches: mismatches,
	}
}

// profileChange says what became of the PGO profile a host executable was
// built with ("" if it looks unchanged): gone, or modified after the
// executable was written, as far as modification times tell.
func profileChange(profile, hostExe string) string {
	pst, err := os.Stat(profile)
	if err != nil {
		return fmt.Sprintf("the profile can't be read now (%v); ", err)
	}
	hst, err := os.Stat(hostExe)
	if err == nil && pst.ModTime().After(hst.ModTime()) {
		return fmt.Sprintf("the profile was modified at %s, after the host executable %s was written (%s); ",
			pst.ModTime().UTC().Format(time.RFC3339), hostExe, hst.ModTime().UTC().Format(time.RFC3339))
	}
	return ""
}

// checkELF checks that path is a complete ELF shared object: a half-written
// file is refused before anything maps it.
func checkELF(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return &Error{Path: path, Err: err}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return &Error{Path: path, Err: err}
	}
	magic := make([]byte, len(elf.ELFMAG))
	if _, err := f.ReadAt(magic, 0); err != nil || string(magic) != elf.ELFMAG {
		return &Error{Path: path, Err: errors.New("not an ELF file: a plugin is built with go build -buildmode=plugin")}
	}
	ef, err := elf.NewFile(f)
	if err != nil {
		return &Error{Path: path, Err: fmt.Errorf("truncated ELF file (%v): still being written, or a broken copy", err)}
	}
	if ef.Type != elf.ET_DYN {
		return &Error{Path: path, Err: fmt.Errorf("ELF type %v, want ET_DYN (a shared object): build it with go build -buildmode=plugin", ef.Type)}
	}
	// Every section and the section header table must lie inside the file.
	var end uint64
	for _, s := range ef.Sections {
		if s.Type == elf.SHT_NOBITS {
			continue
		}
		if e := s.Offset + s.FileSize; e > end {
			end = e
		}
	}
	for _, pr := range ef.Progs {
		if e := pr.Off + pr.Filesz; e > end {
			end = e
		}
	}
	if size := uint64(st.Size()); end > size || len(ef.Sections) == 0 {
		return &Error{Path: path, Err: fmt.Errorf("truncated ELF file: %d bytes, sections reach %d: still being written, or a broken copy", size, end)}
	}
	return nil
}

// readSymbols reads the package fingerprints and the plugin path from the
// symbol tables of f (the static one, and the dynamic one for stripped
// binaries).
func readSymbols(f *elf.File) (map[string][]byte, string, error) {
	syms, err := f.Symbols()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return nil, "", err
	}
	dyn, err := f.DynamicSymbols()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return nil, "", err
	}
	syms = append(syms, dyn...)
	hashes := make(map[string][]byte)
	var pluginPath string
	for _, s := range syms {
		var pkg string
		switch {
		case strings.HasPrefix(s.Name, PkgHashPrefix):
			pkg = strings.TrimPrefix(s.Name, PkgHashPrefix)
			if _, ok := hashes[pkg]; ok {
				continue
			}
		case s.Name == pluginPathSymbol && pluginPath == "":
		default:
			continue
		}
		data, err := symbolData(f, s)
		if err != nil {
			return nil, "", fmt.Errorf("symbol %s: %w", s.Name, err)
		}
		if pkg != "" {
			hashes[pkg] = data
		} else {
			pluginPath = string(data)
		}
	}
	return hashes, pluginPath, nil
}

// symbolData returns the bytes of symbol s from its section.
func symbolData(f *elf.File, s elf.Symbol) ([]byte, error) {
	if int(s.Section) <= 0 || int(s.Section) >= len(f.Sections) {
		return nil, fmt.Errorf("in section %d, not in the file", s.Section)
	}
	sec := f.Sections[s.Section]
	if s.Value < sec.Addr || s.Value+s.Size > sec.Addr+sec.Size {
		return nil, fmt.Errorf("outside section %s", sec.Name)
	}
	data := make([]byte, s.Size)
	if _, err := sec.ReadAt(data, int64(s.Value-sec.Addr)); err != nil {
		return nil, err
	}
	return data, nil
}
