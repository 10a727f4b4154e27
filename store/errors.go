package store

import (
	"errors"
	"fmt"
	"os"
)

// Errors reported by the store. Callers test for them with errors.Is; the
// returned errors carry the task id in their message.
var (
	// ErrNotFound means no stored task has the given id in this workspace.
	ErrNotFound = errors.New("no such task")
	// ErrLocked means another Handle, usually in another agentls process,
	// holds the task open. The error is a *LockedError naming the holder.
	ErrLocked = errors.New("task is open elsewhere")
	// ErrClosed means the Store or Handle was closed.
	ErrClosed = errors.New("task store is closed")
	// ErrPartial means Append was given a streamed chunk (Partial=true).
	// Only completed messages are persisted; chunks are wire-only.
	ErrPartial = errors.New("partial messages are not stored")
)

// LockedError reports that a task is open in some process. It matches
// ErrLocked under errors.Is.
type LockedError struct {
	TaskID string
	PID    int // the holder's process id, 0 when unknown
}

func (e *LockedError) Error() string {
	switch {
	case e.PID == 0:
		return fmt.Sprintf("task %s is open in another agentls process", e.TaskID)
	case e.PID == os.Getpid():
		return fmt.Sprintf("task %s is already open in this agentls process (pid %d)", e.TaskID, e.PID)
	default:
		return fmt.Sprintf("task %s is open in another agentls process (pid %d)", e.TaskID, e.PID)
	}
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

func notFound(taskID string) error {
	return fmt.Errorf("%w: %s", ErrNotFound, taskID)
}
