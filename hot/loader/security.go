package hot_loader

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// checkDir refuses a plugins directory that another user owns or that
// group or others can write, unless allow_insecure_permissions is set.
func (c *Loader) checkDir() error {
	st, err := os.Stat(c.conf.Dir)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("plugins dir %s is not a directory", c.conf.Dir)
	}
	return c.checkPerms(c.conf.Dir, "plugins dir", st)
}

// checkPerms refuses a file or directory that another user owns or that
// group or others can write, unless allow_insecure_permissions is set.
func (c *Loader) checkPerms(path, what string, st fs.FileInfo) error {
	if c.conf.AllowInsecurePermissions {
		return nil
	}
	if perm := st.Mode().Perm(); unixPerms && perm&0o022 != 0 {
		return fmt.Errorf("%s %s is writable by group or others (mode %v): anyone who can write it can run code in this process; chmod go-w it, or set allow_insecure_permissions in the loader config",
			what, path, perm)
	}
	if owner, ok := fileOwner(st); ok {
		if uid := os.Getuid(); owner != uid {
			return fmt.Errorf("%s %s is owned by uid %d, not by this process's uid %d: chown it, or set allow_insecure_permissions in the loader config",
				what, path, owner, uid)
		}
	}
	return nil
}

// resolvePlugin returns the real path of the plugin file at path, refusing
// a symlink that leads out of the plugins directory unless
// allow_external_symlinks is set.
func (c *Loader) resolvePlugin(path string) (string, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", path, err)
	}
	if real == path || c.conf.AllowExternalSymlinks {
		return real, nil
	}
	realDir, err := filepath.EvalSymlinks(c.conf.Dir)
	if err != nil {
		return "", fmt.Errorf("resolve plugins dir %s: %w", c.conf.Dir, err)
	}
	if !within(realDir, real) {
		return "", fmt.Errorf("plugin %s is a symlink to %s, outside the plugins dir %s: move the file into the directory, or set allow_external_symlinks in the loader config",
			path, real, c.conf.Dir)
	}
	return real, nil
}

// within reports whether path is inside dir.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
