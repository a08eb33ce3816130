package codegen

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotbus/hotbus/hot/compiler/hostpins"
	"golang.org/x/mod/module"
)

func TestCopyModuleIsAValidModulePath(t *testing.T) {
	for _, tc := range []struct {
		path, mod, version string
	}{
		{"hotbus-1/example.com/app", "hotbus-1/example.com/app", hostpins.ZeroPseudo},
		{"hotbus-1/example.com/app/api/v1", "hotbus-1/example.com/app/api", hostpins.ZeroPseudo},
		{"hotbus-1/example.com/app/api/v0", "hotbus-1/example.com/app/api", hostpins.ZeroPseudo},
		{"hotbus-1/example.com/app/v1/v1", "hotbus-1/example.com/app", hostpins.ZeroPseudo},
		{"hotbus-1/example.com/app/util/v2", "hotbus-1/example.com/app/util/v2", "v2.0.0-00010101000000-000000000000"},
		{"hotbus-1/example.com/lib/v3", "hotbus-1/example.com/lib/v3", "v3.0.0-00010101000000-000000000000"},
		{"hotbus-1/example.com/lib/v2/api/v1", "hotbus-1/example.com/lib/v2/api", hostpins.ZeroPseudo},
		{"hotbus-1/example.com/app/v1/v2", "hotbus-1/example.com/app/v1/v2", "v2.0.0-00010101000000-000000000000"},
		{"hotbus-1/example.com/app/v2.1", "hotbus-1/example.com/app", hostpins.ZeroPseudo},
		{"hotbus-1/example.com/app/v1x", "hotbus-1/example.com/app/v1x", hostpins.ZeroPseudo},
	} {
		mod, version := copyModule(tc.path)
		if mod != tc.mod || version != tc.version {
			t.Errorf("copyModule(%q) = %q %q, want %q %q", tc.path, mod, version, tc.mod, tc.version)
		}
		if err := module.CheckImportPath(mod); err != nil {
			t.Errorf("copyModule(%q): %v", tc.path, err)
		}
		_, major, ok := module.SplitPathVersion(mod)
		if !ok || module.CheckPathMajor(version, major) != nil {
			t.Errorf("copyModule(%q) = %q %q: the go command would refuse it", tc.path, mod, version)
		}
		if !strings.HasPrefix(tc.path, mod) {
			t.Errorf("copyModule(%q) = %q: the copy is not in the module", tc.path, mod)
		}
	}
}

// TestGoModErrorsNameTheUsersFiles runs the go command on a generated
// go.mod it refuses and checks that the message names what of the
// user's the refused line comes from.
func TestGoModErrorsNameTheUsersFiles(t *testing.T) {
	dir := t.TempDir()
	tr := &Tree{
		MainDir: filepath.Join(dir, "plugin"),
		Origins: map[string]string{
			"hotbus-1/example.com/user/api/v1": "the copy of package example.com/user/api/v1 in /src/user/api/v1 (module example.com/user, /src/user/go.mod)",
		},
	}
	gomod, err := hostpins.MainGoMod("hotbus-1/plugin", "1.25", []hostpins.ModReq{
		{Path: "hotbus-1/example.com/user/api/v1", Version: hostpins.ZeroPseudo, ReplacePath: "../v1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(tr.MainDir, "go.mod"), gomod); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-m", "all")
	cmd.Dir = tr.MainDir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("go accepted the go.mod:\n%s\n%s", gomod, out)
	}
	got := tr.ExplainGoMod(string(out))
	wants := strings.Split(strings.TrimSpace(string(out)), "\n")
	wants = append(wants, "go.mod line 7 is in the plugin's go.mod that hotbus generated, "+filepath.Join(tr.MainDir, "go.mod"),
		"for the copy of package example.com/user/api/v1 in /src/user/api/v1")
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("explained output does not contain %q:\n%s", want, got)
		}
	}
	t.Log(got)
}
