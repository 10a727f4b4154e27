//go:build unix

package store

import (
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Task locks are flock(2) locks on a file in the task directory. The kernel
// drops them when the holding process dies, even by SIGKILL, so a crash never
// leaves a task locked. A lock belongs to an open file description: two
// opens in one process conflict just like two processes do.

type lockMode int

const (
	lockShared    lockMode = syscall.LOCK_SH
	lockExclusive lockMode = syscall.LOCK_EX
)

// tryLock takes the lock without waiting. It reports false when someone
// else holds a conflicting lock.
func tryLock(f *os.File, mode lockMode) (bool, error) {
	for {
		err := syscall.Flock(int(f.Fd()), int(mode)|syscall.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return false, nil
		default:
			return false, &os.PathError{Op: "flock", Path: f.Name(), Err: err}
		}
	}
}

// writePID records the holder's pid in the lock file, for the message that
// tells another process who holds the task.
func writePID(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

// readPID returns the pid written in a lock file, or 0.
func readPID(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 32))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// sameFile reports whether the open file f is still the file at path; it is
// not when the task directory was removed while f was waiting for its lock.
func sameFile(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	if err != nil {
		return false
	}
	return os.SameFile(a, b)
}
