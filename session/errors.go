package session

import "fmt"

// Kind classifies a session error for the wire.
type Kind int

// Error kinds.
const (
	// Invalid: the request names something that does not exist or is
	// malformed (-32602 on the wire).
	Invalid Kind = iota + 1
	// Busy: a foreground task is active (-32803).
	Busy
	// Failed: the request is valid but cannot be done now (-32803).
	Failed
)

// Error is an error a client can act on.
type Error struct {
	Kind Kind
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

func errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

func unknownTask(id string) *Error {
	return errorf(Invalid, "taskId: unknown task %q", id)
}
