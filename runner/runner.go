package runner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Job is a unit of work to run in the background.
type Job struct {
	// ID identifies the job. When empty a UUID is generated. An id the
	// runner still tracks (queued, running or among the kept finished jobs)
	// is refused with ErrDuplicateID.
	ID string
	// ParentID groups jobs for CancelByParent. It may be empty.
	ParentID string
	// Title is a human-readable name; the runner only reports it.
	Title string
	// Run does the work. Its context is cancelled on Cancel, CancelByParent,
	// timeout and Dispose; context.Cause tells which. Run should return
	// promptly once the context is done; until it returns the job keeps its
	// slot. A panic in Run is recovered and makes the job fail.
	Run func(ctx context.Context) (result string, err error)
}

// Runner runs jobs in the background. Create one with New; it is safe for
// concurrent use. Call Dispose when done with it.
type Runner struct {
	opts Options

	// wg counts goroutines and callbacks that Dispose waits for: one per
	// running job's goroutine, one per armed timer, one per goroutine
	// reporting the outcomes of jobs cancelled while queued.
	wg sync.WaitGroup

	mu       sync.Mutex        // guards everything below and every entry's fields
	jobs     map[string]*entry // queued, running and the kept finished jobs
	queue    []*entry          // queued jobs, oldest first
	finished []*entry          // kept finished jobs, in finish order
	running  int               // jobs whose Run may be executing
	seq      uint64            // creation order for List
	disposed bool
}

// entry is the runner's record of one job. All fields are guarded by
// Runner.mu, except ctx, which is immutable once the job has started.
type entry struct {
	info Info
	seq  uint64
	run  func(context.Context) (string, error)

	ctx    context.Context
	cancel context.CancelCauseFunc
	timer  *time.Timer

	// stop is the final status requested for a running job by the first of
	// Cancel, CancelByParent, Dispose or the timeout (empty while none), and
	// stopMsg the error to report with it. It wins over what Run returns.
	stop    Status
	stopMsg string
}

// New returns a Runner, or an error naming the first option out of range.
func New(opts Options) (*Runner, error) {
	return newRunner(opts, MinTimeout)
}

func newRunner(opts Options, minTimeout time.Duration) (*Runner, error) {
	opts, err := opts.withDefaults(minTimeout)
	if err != nil {
		return nil, err
	}
	return &Runner{opts: opts, jobs: make(map[string]*entry)}, nil
}

// Submit starts job, or queues it when MaxConcurrent jobs are running, and
// returns its id. It fails with ErrQueueFull when the queue is at QueueLimit,
// ErrDuplicateID for an id already tracked and ErrDisposed after Dispose.
func (r *Runner) Submit(job Job) (string, error) {
	if job.Run == nil {
		return "", errors.New("runner: job has no Run function")
	}
	id := job.ID
	if id == "" {
		id = uuid.NewString()
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.disposed {
		return "", ErrDisposed
	}
	if _, ok := r.jobs[id]; ok {
		return "", fmt.Errorf("%w: %q", ErrDuplicateID, id)
	}
	if r.running >= r.opts.MaxConcurrent && len(r.queue) >= r.opts.QueueLimit {
		return "", fmt.Errorf("%w: %d tasks are running and %d are waiting, the most allowed; wait for one to finish or cancel one",
			ErrQueueFull, r.running, len(r.queue))
	}
	r.seq++
	e := &entry{
		seq: r.seq,
		run: job.Run,
		info: Info{
			ID:        id,
			ParentID:  job.ParentID,
			Title:     job.Title,
			Status:    StatusQueued,
			CreatedAt: time.Now(),
		},
	}
	r.jobs[id] = e
	if r.running < r.opts.MaxConcurrent {
		r.startLocked(e)
	} else {
		r.queue = append(r.queue, e)
	}
	return id, nil
}

// Get returns a snapshot of the job with the given id, if the runner tracks it.
func (r *Runner) Get(id string) (Info, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.jobs[id]
	if !ok {
		return Info{}, false
	}
	return e.info, true
}

// List returns snapshots of all queued and running jobs and of the
// KeepFinished most recently finished ones, in submit order.
func (r *Runner) List() []Info {
	r.mu.Lock()
	entries := make([]*entry, 0, len(r.jobs))
	for _, e := range r.jobs {
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b *entry) int { return cmp.Compare(a.seq, b.seq) })
	infos := make([]Info, len(entries))
	for i, e := range entries {
		infos[i] = e.info
	}
	r.mu.Unlock()
	return infos
}

// CanAccept reports whether a Submit now would not fail with ErrQueueFull or
// ErrDisposed.
func (r *Runner) CanAccept() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.disposed && (r.running < r.opts.MaxConcurrent || len(r.queue) < r.opts.QueueLimit)
}

// Counts returns how many jobs are running (including cancelled ones whose
// Run has not returned yet) and how many are waiting in the queue.
func (r *Runner) Counts() (running, queued int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.running, len(r.queue)
}

// Options returns the options in effect, with defaults filled in.
func (r *Runner) Options() Options {
	return r.opts
}
