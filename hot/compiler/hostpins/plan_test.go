package hostpins

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hotbus/hotbus/hot/compiler/analysis"
	"golang.org/x/tools/txtar"
)

// The Plan tests are golden tests in the style of x/mod's: each
// testdata/plan/<case>.txtar holds the inputs of Plan and the go.mod (and
// go.work, when a module is built as a workspace module) it leads to:
//
//	buildinfo      the host's build info, as "go version -m" prints it
//	analysis.json  what the analysis found (Packages, Modules, DepModules)
//	dirs           "<module path> <dir>" lines: the host module dirs
//	               hostDir resolves; others are not found
//	want/go.mod    the plugin main module's go.mod (MainGoMod)
//	want/go.work   the go.work and go.mod of a workspace build
//	want/go.work.mod  (WorkspaceFiles), for a -trimpath host with a
//	               Devel requirement
//	want/vendor    the VendorPlan, for a host built from its vendor dir
//	want/error     the error Plan returns, instead of the files
//
// Any other file is written into a temp dir, $WORK in every file. Run
// with -update to rewrite the want/ files from what Plan returns.

// planPluginPath is the plugin main module path of the Plan tests.
const planPluginPath = "hotbus-0123456789ab/plugin"

func TestPlanGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "plan", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/plan/*.txtar")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			testPlan(t, file)
		})
	}
}

// testPlan runs the case in the txtar file.
func testPlan(t *testing.T, file string) {
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	expand := func(data []byte) []byte { return bytes.ReplaceAll(data, []byte("$WORK"), []byte(work)) }
	section := map[string][]byte{}
	for _, f := range ar.Files {
		switch {
		case f.Name == "buildinfo" || f.Name == "analysis.json" || f.Name == "dirs" || strings.HasPrefix(f.Name, "want/"):
			section[f.Name] = expand(f.Data)
		default:
			p := filepath.Join(work, filepath.FromSlash(f.Name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, expand(f.Data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	bi, err := debug.ParseBuildInfo(string(section["buildinfo"]))
	if err != nil {
		t.Fatalf("buildinfo: %v", err)
	}
	// ParseBuildInfo leaves the Go version to the binary's reader.
	for _, line := range strings.Split(string(section["buildinfo"]), "\n") {
		if v, ok := strings.CutPrefix(line, "go\t"); ok {
			bi.GoVersion = v
		}
	}
	host, err := newHost(filepath.Join(work, "host"), bi)
	if err != nil {
		t.Fatalf("host: %v", err)
	}
	a := &analysis.Analysis{}
	if err := json.Unmarshal(section["analysis.json"], a); err != nil {
		t.Fatalf("analysis.json: %v", err)
	}
	dirs := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(section["dirs"])), "\n") {
		if f := strings.Fields(line); len(f) == 2 {
			dirs[f[0]] = f[1]
		}
	}
	hostDir := func(path, replace string) (string, error) {
		if d, ok := dirs[path]; ok {
			return d, nil
		}
		return "", errors.New("no directory for " + path)
	}

	got := map[string][]byte{}
	reqs, vp, err := Plan(host, a, hostDir)
	if err != nil {
		got["want/error"] = []byte(err.Error() + "\n")
	} else {
		list := make([]ModReq, 0, len(reqs))
		for _, r := range reqs {
			list = append(list, r)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].Path < list[j].Path })
		goVersion := LangVersion(host.GoVersion)
		if got["want/go.mod"], err = MainGoMod(planPluginPath, goVersion, list); err != nil {
			t.Fatal(err)
		}
		// As the compiler does: a -trimpath host's Devel modules are
		// built as workspace modules.
		if host.Settings["-trimpath"] == "true" && slices.ContainsFunc(list, func(r ModReq) bool { return r.Devel }) {
			if got["want/go.work.mod"], got["want/go.work"], err = WorkspaceFiles(planPluginPath, "plugin", goVersion, list); err != nil {
				t.Fatal(err)
			}
		}
		if vp != nil {
			var b strings.Builder
			b.WriteString("dir " + vp.Dir + "\n")
			for _, p := range slices.Sorted(maps.Keys(vp.GoMods)) {
				b.WriteString(p + ":\n" + string(vp.GoMods[p]))
			}
			got["want/vendor"] = []byte(b.String())
		}
	}
	unexpand := func(data []byte) []byte { return bytes.ReplaceAll(data, []byte(work), []byte("$WORK")) }
	if *update {
		var kept []txtar.File
		for _, f := range ar.Files {
			if !strings.HasPrefix(f.Name, "want/") {
				kept = append(kept, f)
			}
		}
		for _, name := range slices.Sorted(maps.Keys(got)) {
			kept = append(kept, txtar.File{Name: name, Data: unexpand(got[name])})
		}
		ar.Files = kept
		if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for name, data := range got {
		want, ok := section[name]
		if !ok {
			t.Errorf("%s: Plan gave a %s the case does not want (run with -update to accept):\n%s", file, name, unexpand(data))
			continue
		}
		if !bytes.Equal(data, want) {
			t.Errorf("%s: %s differs (run with -update to accept):\n--- got\n%s\n--- want\n%s", file, name, unexpand(data), unexpand(want))
		}
	}
	for name := range section {
		if _, ok := got[name]; strings.HasPrefix(name, "want/") && !ok {
			t.Errorf("%s: the case wants a %s that Plan did not give", file, name)
		}
	}
}
