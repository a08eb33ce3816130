package hostinfo

import (
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

func TestNew(t *testing.T) {
	bi := info("-trimpath=true")
	bi.Deps = []*debug.Module{{Path: "b.com/y", Version: "v1.0.0"}, nil, {Path: ""}, {Path: "a.com/x", Version: "v0.1.0"}}
	h := New("/bin/host", bi)
	var paths []string
	for _, d := range h.Deps {
		paths = append(paths, d.Path)
	}
	if want := []string{"a.com/x", "b.com/y"}; !slices.Equal(paths, want) {
		t.Errorf("Deps = %q, want %q (sorted, no empty entries)", paths, want)
	}
	if d := h.Dep("b.com/y"); d == nil || d.Version != "v1.0.0" {
		t.Errorf("Dep(b.com/y) = %v", d)
	}
	if d := h.Dep("c.com/z"); d != nil {
		t.Errorf("Dep(c.com/z) = %v, want nil", d)
	}
	if h.Setting("-trimpath") != "true" || h.Setting("-race") != "false" || h.Settings["-trimpath"] != "true" {
		t.Errorf("settings: %v", h.Settings)
	}
	if h.Name() != "/bin/host" {
		t.Errorf("Name = %q", h.Name())
	}
	if exe, err := h.Executable(); err != nil || exe != "/bin/host" {
		t.Errorf("Executable = %q, %v", exe, err)
	}
}

func TestIsDevel(t *testing.T) {
	cases := []struct {
		name     string
		version  string
		settings []string
		replaced bool
		want     bool
	}{
		{"built from source", DevelVersion, nil, false, true},
		{"no version", "", nil, false, true},
		{"stamped from git", "v0.0.0-20260101000000-abcdefabcdef", []string{"vcs.revision=abc"}, false, true},
		{"from the proxy (go install m@v)", "v1.2.3", nil, false, false},
		{"replaced", "v1.2.3", []string{"vcs.revision=abc"}, true, false},
	}
	for _, c := range cases {
		bi := info(c.settings...)
		bi.Main.Version = c.version
		if c.replaced {
			bi.Main.Replace = &debug.Module{Path: "../host"}
		}
		if got := New("", bi).IsDevel(); got != c.want {
			t.Errorf("%s: IsDevel = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestCurrentAndRead: the test binary's own build info, from the process
// and from its file, is one host.
func TestCurrentAndRead(t *testing.T) {
	cur, err := Current()
	if err != nil {
		t.Fatal(err)
	}
	if cur.Binary != "" || !strings.HasPrefix(cur.Name(), "process (") || cur.GoVersion == "" || cur.Info == nil {
		t.Fatalf("Current: %+v", cur)
	}
	exe, err := cur.Executable()
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if exe != self {
		t.Errorf("Executable = %s, want %s", exe, self)
	}
	read, err := Read(exe)
	if err != nil {
		t.Fatal(err)
	}
	if read.Binary != exe || read.GoVersion != cur.GoVersion || !slices.Equal(Flags(read.Info), Flags(cur.Info)) || !slices.Equal(Env(read.Info), Env(cur.Info)) {
		t.Errorf("Read(%s) = %+v, Current = %+v", exe, read, cur)
	}
	notGo := t.TempDir() + "/not-go"
	if err := os.WriteFile(notGo, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(notGo); err == nil || !strings.Contains(err.Error(), notGo) || !strings.Contains(err.Error(), "Go executable") {
		t.Errorf("Read(a shell script) = %v, want an error naming the file", err)
	}
}
