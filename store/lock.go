//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package store

import (
	"errors"
	"os"
	"strconv"
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
