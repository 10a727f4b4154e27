//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package store

import (
	"errors"
	"os"
)

// Task locks need flock(2); elsewhere the store cannot guarantee that two
// processes never write one task, so it refuses to open tasks for writing.

type lockMode int

const (
	lockShared lockMode = iota + 1
	lockExclusive
)

var errNoFlock = errors.New("task locking is not supported on this system")

func tryLock(*os.File, lockMode) (bool, error) { return false, errNoFlock }

func writePID(*os.File) error { return errNoFlock }
