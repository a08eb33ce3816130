package testutil

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ProcessesVisible reports whether ChildPIDs and Alive can see processes
// here (there is a /proc): callers skip their process checks where not.
func ProcessesVisible() bool {
	_, err := os.Stat("/proc/self/stat")
	return err == nil
}

// ChildPIDs lists the live (not zombie) child processes of this process.
// It reads /proc, so it finds them on Linux only; elsewhere it returns nil.
func ChildPIDs() []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	me := strconv.Itoa(os.Getpid())
	var pids []int
	for _, p := range stats {
		pid, state, ppid, ok := readStat(p)
		if ok && ppid == me && state != "Z" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Alive reports whether process pid exists and is not a zombie. It reads
// /proc, so it says false for every process where there is none (not
// Linux).
func Alive(pid int) bool {
	_, state, _, ok := readStat(fmt.Sprintf("/proc/%d/stat", pid))
	return ok && state != "Z"
}

// readStat reads a /proc/<pid>/stat file: "pid (comm) state ppid ...",
// where comm may hold spaces and parentheses, so it is cut after the last
// ')'.
func readStat(path string) (pid int, state, ppid string, ok bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, "", "", false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, "", "", false
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 2 {
		return 0, "", "", false
	}
	pid, err = strconv.Atoi(strings.Fields(s)[0])
	if err != nil {
		return 0, "", "", false
	}
	return pid, fields[0], fields[1], true
}
