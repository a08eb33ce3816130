package hot_ipc

import (
	"runtime"
	"strings"
	"testing"
)

func TestSocketDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("go-plugin uses TCP on Windows")
	}
	long := "/" + strings.Repeat("d", maxSocketPath-socketNameLen)
	t.Setenv("TMPDIR", "/short")
	if got, err := socketDir(""); got != "/short" || err != nil {
		t.Errorf("socketDir(\"\") with a short TMPDIR = %q, %v; want /short", got, err)
	}
	t.Setenv("TMPDIR", long)
	if got, err := socketDir(""); got != fallbackSocketDir || err != nil {
		t.Errorf("socketDir(\"\") with a %d-byte TMPDIR = %q, %v; want %s", len(long), got, err, fallbackSocketDir)
	}
	if got, err := socketDir(long[:len(long)-1]); got != long[:len(long)-1] || err != nil {
		t.Errorf("socketDir of the longest dir that fits = %q, %v", got, err)
	}
	if _, err := socketDir(long); err == nil || !strings.Contains(err.Error(), "give a shorter SocketDir") {
		t.Errorf("socketDir of a dir too long = %v, want an error that says what to do", err)
	}
}
