package hot

import (
	"path/filepath"
	"testing"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
	hot_loader_filesystem "github.com/hotbus/hotbus/hot/loader/filesystem"
)

func TestResolvePathsAgainstTheBaseDir(t *testing.T) {
	base := t.TempDir()
	loader := &hot_loader_filesystem.Config{Dir: "./plugins"}
	comp := &hot_compiler.Config{
		WorkDir:    "src",
		OutputDir:  "../out",
		CodegenDir: "gen",
		HostBinary: "./bin/host",
		Packages:   []string{"./counter"},
	}
	if err := resolvePaths(loader, base); err != nil {
		t.Fatal(err)
	}
	if err := resolvePaths(comp, base); err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][2]string{
		"dir":        {loader.Dir, filepath.Join(base, "plugins")},
		"workDir":    {comp.WorkDir, filepath.Join(base, "src")},
		"outputDir":  {comp.OutputDir, filepath.Join(filepath.Dir(base), "out")},
		"codegenDir": {comp.CodegenDir, filepath.Join(base, "gen")},
		"hostBinary": {comp.HostBinary, filepath.Join(base, "bin", "host")},
		// Package patterns resolve in workDir, not against the base dir.
		"packages": {comp.Packages[0], "./counter"},
	} {
		if got[0] != got[1] {
			t.Errorf("%s = %q, want %q", name, got[0], got[1])
		}
	}

	// Absolute paths stay; an empty workDir is the base dir; an empty
	// codegenDir and hostBinary keep their defaults.
	comp = &hot_compiler.Config{OutputDir: "/abs/plugins"}
	if err := resolvePaths(comp, base); err != nil {
		t.Fatal(err)
	}
	if comp.OutputDir != "/abs/plugins" || comp.WorkDir != base || comp.CodegenDir != "" || comp.HostBinary != "" {
		t.Errorf("resolved %+v: want outputDir kept, workDir %s, codegenDir and hostBinary empty", comp, base)
	}
}
