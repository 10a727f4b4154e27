package runner

import (
	"fmt"
	"log/slog"
	"time"
)

// Defaults and limits of Options.
const (
	DefaultMaxConcurrent = 3
	DefaultTimeout       = 300 * time.Second
	DefaultQueueLimit    = 64
	DefaultKeepFinished  = 100

	MaxMaxConcurrent = 32
	MinTimeout       = time.Second
	MaxTimeout       = 3600 * time.Second
	MaxQueueLimit    = 10000
	MaxKeepFinished  = 10000
)

// Options configure a Runner. The zero value of each numeric field selects its
// default.
type Options struct {
	// MaxConcurrent is how many jobs may run at once: 1..32, default 3.
	MaxConcurrent int
	// Timeout is how long each job may run, counted from when it starts
	// running (not from when it was queued): 1s..3600s, default 300s.
	Timeout time.Duration
	// QueueLimit is how many jobs may wait for a slot: 1..10000, default 64.
	QueueLimit int
	// KeepFinished is how many finished jobs (the most recently finished)
	// stay visible to Get and List: 1..10000, default 100.
	KeepFinished int
	// OnOutcome, if set, is called exactly once per job when it reaches a
	// final status. It is always called from a goroutine of the runner, never
	// from the caller of a Runner method and never with the runner's lock
	// held: it may call the Runner, and code calling the Runner may hold a
	// lock that OnOutcome also takes.
	OnOutcome func(Info)
	// OnStart, if set, is called from the job's goroutine when a job moves
	// from queued to running, before Run.
	OnStart func(Info)
	// Logger, if set, receives the stack trace of a panic recovered from Run.
	Logger *slog.Logger
}

// withDefaults returns o with defaults filled in, or an error naming the
// first field out of range. minTimeout is the lower bound for Timeout (tests
// in this package lower it).
func (o Options) withDefaults(minTimeout time.Duration) (Options, error) {
	if o.MaxConcurrent == 0 {
		o.MaxConcurrent = DefaultMaxConcurrent
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.QueueLimit == 0 {
		o.QueueLimit = DefaultQueueLimit
	}
	if o.KeepFinished == 0 {
		o.KeepFinished = DefaultKeepFinished
	}
	switch {
	case o.MaxConcurrent < 1 || o.MaxConcurrent > MaxMaxConcurrent:
		return o, fmt.Errorf("runner: MaxConcurrent must be between 1 and %d, got %d", MaxMaxConcurrent, o.MaxConcurrent)
	case o.Timeout < minTimeout || o.Timeout > MaxTimeout:
		return o, fmt.Errorf("runner: Timeout must be between %v and %v, got %v", minTimeout, MaxTimeout, o.Timeout)
	case o.QueueLimit < 1 || o.QueueLimit > MaxQueueLimit:
		return o, fmt.Errorf("runner: QueueLimit must be between 1 and %d, got %d", MaxQueueLimit, o.QueueLimit)
	case o.KeepFinished < 1 || o.KeepFinished > MaxKeepFinished:
		return o, fmt.Errorf("runner: KeepFinished must be between 1 and %d, got %d", MaxKeepFinished, o.KeepFinished)
	}
	return o, nil
}
