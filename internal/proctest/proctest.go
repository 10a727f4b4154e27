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
	f := statFields(pid)
	return len(f) == 0 || f[0] == "Z" || f[0] == "X"
}

// GroupMembers lists the live processes of process group pgid.
func GroupMembers(pgid int) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	want := strconv.Itoa(pgid)
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f := statFields(pid); len(f) > 2 && f[2] == want && !Gone(pid) {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// statFields returns the fields of /proc/<pid>/stat after the
// parenthesised command name (state, ppid, pgrp, ...), or nil when the
// process is gone.
func statFields(pid int) []string {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
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
