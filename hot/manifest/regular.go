package hot_manifest

import (
	"fmt"
	"io"
	"io/fs"
	"os"
)

// MaxManifestSize caps the size of a manifest hotbus reads (a build
// manifest, the manifest of loaded plugins): 1 MiB, far above what hotbus
// writes. A bigger file is refused rather than read into memory.
const MaxManifestSize = 1 << 20

// OpenRegular opens the file at path for reading and returns it with its
// FileInfo, refusing anything but a regular file. Files in a plugins dir
// are untrusted: the open does not block on a FIFO or a device (O_NONBLOCK
// on unix), and what the open found is checked, not what a stat before it
// saw. what names the file in errors ("plugin", "build manifest"). An
// error of the open itself is returned as is (a *fs.PathError), so
// errors.Is(err, fs.ErrNotExist) works.
func OpenRegular(path, what string) (*os.File, fs.FileInfo, error) {
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, nil, fmt.Errorf("stat %s %s: %w", what, path, err)
	}
	if !st.Mode().IsRegular() {
		_ = f.Close()
		return nil, nil, fmt.Errorf("%s %s is not a regular file but a %s: hotbus reads only regular files from the plugins dir; remove it", what, path, kind(st.Mode()))
	}
	return f, st, nil
}

// ReadRegular reads the regular file at path, opened as OpenRegular does,
// refusing one larger than limit bytes (also one that grows past it while
// being read). what names the file in errors.
func ReadRegular(path, what string, limit int64) ([]byte, error) {
	f, st, err := OpenRegular(path, what)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tooBig := func(size int64) error {
		return fmt.Errorf("%s %s is %d bytes, more than the %d-byte limit (%s): it is not one hotbus wrote; remove it",
			what, path, size, limit, sizeText(limit))
	}
	if st.Size() > limit {
		return nil, tooBig(st.Size())
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", what, path, err)
	}
	if int64(len(data)) > limit {
		return nil, tooBig(int64(len(data)))
	}
	return data, nil
}

// kind names the type of a file that is not regular.
func kind(m fs.FileMode) string {
	switch t := m.Type(); {
	case t&fs.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case t&fs.ModeSocket != 0:
		return "socket"
	case t&fs.ModeCharDevice != 0:
		return "character device"
	case t&fs.ModeDevice != 0:
		return "device"
	case t&fs.ModeDir != 0:
		return "directory"
	case t&fs.ModeSymlink != 0:
		return "symlink"
	default:
		return fmt.Sprintf("file of type %v", t)
	}
}

// sizeText formats a byte count in MiB or KiB when it is a whole number of
// them.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
