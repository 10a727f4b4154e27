// Package proctest helps tests check on the processes the server starts.
package proctest

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Gone reports whether pid has exited: it is gone, or a zombie waiting to
// be reaped by whoever inherited it.
func Gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// The state follows the parenthesised command name.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && (s[i+2] == 'Z' || s[i+2] == 'X')
}

// WaitGone waits up to limit for pid to exit and reports whether it did.
// A process killed on its parent's death (Pdeathsig) dies a moment after
// the parent's pipes close, so a test that saw the pipes close must wait.
func WaitGone(pid int, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for !Gone(pid) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}
