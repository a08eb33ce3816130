package hot_compiler_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	hot_compiler "github.com/hotbus/hotbus/hot/compiler"
)

// TestTwoCompilersOnTheSameSourcesBothBuild runs two compilers, as two
// daemons would, on the same sources with the default codegen dir and
// the same plugins dir, building at the same time, twice (the second
// time after an edit, so units are dropped while the other may use
// them): every build succeeds, no false compile error, and nothing is
// left but the plugin, its manifest and the shared units.
func TestTwoCompilersOnTheSameSourcesBothBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins")
	}
	dir := expandFixture(t, "fixture")
	if os.Getenv("GOCACHE") == "" {
		// Keep go build's cache where it is: only hotbus's default moves.
		userCache, err := os.UserCacheDir()
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv("GOCACHE", filepath.Join(userCache, "go-build"))
	}
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	plugins := filepath.Join(dir, "plugins")
	var comps [2]*hot_compiler.Compiler
	for i := range comps {
		c, err := hot_compiler.NewCompiler(context.Background(), hot_compiler.Options{
			WorkDir:   filepath.Join(dir, "app"),
			Packages:  []string{"./ctrl"},
			OutputDir: plugins,
			BinaryID:  "fixture",
			Logger:    testLogger(t).WithField("compiler", i),
		})
		if err != nil {
			t.Fatal(err)
		}
		comps[i] = c
	}
	// The default codegen dir is under XDG_CACHE_HOME.
	codegen := filepath.Join(dir, "cache", "hotbus", "codegen")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	greet := filepath.Join(dir, "lib", "greet", "greet.go")
	for round, hello := range []string{"hello one", "hello two"} {
		src := "package greet\n\n// Hello returns a greeting.\nfunc Hello() string { return \"" + hello + "\" }\n"
		if err := os.WriteFile(greet, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, len(comps))
		start := make(chan struct{})
		for i, c := range comps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = c.Build(ctx)
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d, compiler %d: %v", round, i, err)
			}
		}
	}
	ents, err := os.ReadDir(plugins)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 2 {
		t.Errorf("the plugins dir holds %v, want one plugin and its manifest", ents)
	}
	left, err := os.ReadDir(codegen)
	if err != nil {
		t.Fatalf("the default codegen dir is not under XDG_CACHE_HOME: %v", err)
	}
	for _, e := range left {
		if e.Name() != "units" {
			t.Errorf("left in the codegen dir: %s", e.Name())
		}
	}
}
