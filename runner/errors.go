package runner

import "errors"

// Sentinel errors. Errors returned by the runner wrap these, so test with
// errors.Is; the wrapping error adds the details (the id, the limit).
var (
	// ErrQueueFull is returned by Submit when every slot is busy and the
	// queue of waiting jobs is at its limit. The returned error names the
	// limits so that it can be shown to a model as is.
	ErrQueueFull = errors.New("background queue is full")
	// ErrDuplicateID is returned by Submit for a job id the runner already
	// tracks.
	ErrDuplicateID = errors.New("duplicate background task id")
	// ErrDisposed is returned by Submit after Dispose.
	ErrDisposed = errors.New("background runner is shut down")
	// ErrUnknownTask is returned by Cancel for an id the runner does not track.
	ErrUnknownTask = errors.New("unknown background task")
)
