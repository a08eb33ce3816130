package hot_ipc_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	hot_ipc "github.com/hotbus/hotbus/hot/ipc"
	"github.com/hotbus/hotbus/internal/testutil"
	"github.com/sirupsen/logrus"
)

// waitTimeout bounds every wait for a signal in these tests.
const waitTimeout = 30 * time.Second

// buildChild builds the fixture child executable into a temp dir and
// returns its path and sha256.
func buildChild(t *testing.T) (string, []byte) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a child executable")
	}
	out := filepath.Join(t.TempDir(), "child.cbus.exe")
	cmd := exec.Command("go", "build", "-o", out, "./testdata/child")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the fixture child: %v\n%s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return out, sum[:]
}

// host is a built child executable and a host logger watching its logs.
type host struct {
	path string
	sum  []byte
	hook *logHook
	le   *logrus.Entry
	// socketDir is the StartConfig.SocketDir; it must be empty at the end.
	socketDir string
}

// newFixture builds the child and makes a host logger at debug level.
func newHost(t *testing.T) *host {
	t.Helper()
	path, sum := buildChild(t)
	hook := &logHook{}
	f := &host{path: path, sum: sum, hook: hook, le: testutil.Logger(testutil.LogWriter(t), hook), socketDir: shortTempDir(t)}
	t.Cleanup(func() {
		if entries, _ := os.ReadDir(f.socketDir); len(entries) != 0 {
			t.Errorf("socket dir not cleaned up: %v", entries)
		}
		assertNoChildren(t)
	})
	return f
}

// shortTempDir makes an empty dir, removed at the end of the test, whose
// path leaves room for a unix socket in it: t.TempDir() adds the test's
// name to TMPDIR, too long for a socket path under a long TMPDIR.
func shortTempDir(t *testing.T) string {
	t.Helper()
	base := os.TempDir()
	if len(base) > 40 {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, "hotbus-ipc-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// config returns a StartConfig for the fixture child with env added.
func (f *host) config(env ...string) hot_ipc.StartConfig {
	return hot_ipc.StartConfig{
		Path:             f.path,
		SHA256:           f.sum,
		Env:              env,
		HandshakeTimeout: waitTimeout,
		SocketDir:        f.socketDir,
		Logger:           f.le,
	}
}

// start starts the fixture child; it is closed at the end of the test.
func (f *host) start(t *testing.T, env ...string) *hot_ipc.Child {
	t.Helper()
	c, err := hot_ipc.Start(context.Background(), f.config(env...))
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if err := c.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return c
}

// waitExited waits for the child process to end.
func waitExited(t *testing.T, c *hot_ipc.Child) {
	t.Helper()
	select {
	case <-c.Exited():
	case <-time.After(waitTimeout):
		t.Fatal("child did not exit")
	}
}

// assertNoChildren fails if this process has a child process left (Linux:
// reads /proc; skipped where there is none).
func assertNoChildren(t *testing.T) {
	t.Helper()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	me := strconv.Itoa(os.Getpid())
	for _, p := range stats {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, cut after ')'.
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(s[i+1:])
		if len(fields) > 1 && fields[1] == me {
			t.Errorf("child process left running: %s", strings.TrimSpace(s[:i+1]))
		}
	}
}

// logHook records log entries and signals each new one.
type logHook struct {
	mu      sync.Mutex
	entries []*logrus.Entry
	changed chan struct{}
}

// Levels returns every level.
func (h *logHook) Levels() []logrus.Level { return logrus.AllLevels }

// Fire records e.
func (h *logHook) Fire(e *logrus.Entry) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	cp := *e
	cp.Data = make(logrus.Fields, len(e.Data))
	for k, v := range e.Data {
		cp.Data[k] = v
	}
	h.entries = append(h.entries, &cp)
	if h.changed != nil {
		close(h.changed)
		h.changed = nil
	}
	return nil
}

// wait returns the first entry whose message is msg and whose fields
// print as fields, waiting for it.
func (h *logHook) wait(t *testing.T, msg string, fields map[string]string) *logrus.Entry {
	t.Helper()
	timer := time.NewTimer(waitTimeout)
	defer timer.Stop()
	for {
		h.mu.Lock()
		for _, e := range h.entries {
			if e.Message == msg && fieldsMatch(e.Data, fields) {
				h.mu.Unlock()
				return e
			}
		}
		if h.changed == nil {
			h.changed = make(chan struct{})
		}
		ch := h.changed
		h.mu.Unlock()
		select {
		case <-ch:
		case <-timer.C:
			t.Fatalf("timed out waiting for log %q with %v", msg, fields)
		}
	}
}

// fieldsMatch reports whether data has every field with that printed value.
func fieldsMatch(data logrus.Fields, want map[string]string) bool {
	for k, v := range want {
		got, ok := data[k]
		if !ok || fmt.Sprint(got) != v {
			return false
		}
	}
	return true
}

// index returns the position of the first entry with message msg and
// those fields, -1 if there is none.
func (h *logHook) index(msg string, fields map[string]string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, e := range h.entries {
		if e.Message == msg && fieldsMatch(e.Data, fields) {
			return i
		}
	}
	return -1
}
