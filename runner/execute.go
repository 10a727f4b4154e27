package runner

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"
)

// errNoReturn is the failure reported when Run leaves its goroutine without
// returning (runtime.Goexit, as t.FailNow does).
var errNoReturn = errors.New("the task stopped without returning a result")

// startLocked moves e from queued to running and starts its goroutine.
// r.mu must be held.
func (r *Runner) startLocked(e *entry) {
	e.info.Status = StatusRunning
	e.info.StartedAt = time.Now()
	e.ctx, e.cancel = context.WithCancelCause(context.Background())
	r.running++
	r.wg.Add(1)
	go r.execute(e)
}

// execute runs e in its own goroutine and reports its outcome.
func (r *Runner) execute(e *entry) {
	defer r.wg.Done()

	r.mu.Lock()
	started := e.info
	r.mu.Unlock()
	if r.opts.OnStart != nil {
		r.opts.OnStart(started)
	}

	// Deferred so that an outcome is reported even when Run calls
	// runtime.Goexit.
	result, err := "", errNoReturn
	defer func() { r.complete(e, result, err) }()
	run := r.arm(e)
	if run == nil {
		// Cancelled before Run could be called: it never is, and the
		// recorded stop reason decides the outcome.
		result, err = "", nil
		return
	}
	result, err = r.safeRun(e, run)
}

// arm starts e's timeout just before Run is called, so that a timeout
// always reaches a Run that has started, and returns the Run function; or
// nil if e was cancelled before it got this far.
func (r *Runner) arm(e *entry) func(context.Context) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.stop != "" {
		return nil
	}
	r.wg.Add(1) // the timer callback, unless complete stops it first
	e.timer = time.AfterFunc(r.opts.Timeout, func() { r.expire(e) })
	return e.run
}

// safeRun calls run, turning a panic into an error.
func (r *Runner) safeRun(e *entry, run func(context.Context) (string, error)) (result string, err error) {
	defer func() {
		if p := recover(); p != nil {
			result, err = "", fmt.Errorf("the task crashed: %v", p)
			if r.opts.Logger != nil {
				r.opts.Logger.Error("background task panicked", "id", e.info.ID, "panic", p, "stack", string(debug.Stack()))
			}
		}
	}()
	return run(e.ctx)
}

// complete decides e's final status from the recorded stop reason, if any,
// or from what Run returned, starts queued jobs in the freed slot and reports
// the outcome.
func (r *Runner) complete(e *entry, result string, err error) {
	r.mu.Lock()
	if e.timer != nil && e.timer.Stop() {
		r.wg.Done() // the callback will never run
	}
	e.timer = nil
	switch {
	case e.stop != "":
		e.info.Status, e.info.Error = e.stop, e.stopMsg
	case err != nil:
		e.info.Status, e.info.Error = StatusFailed, err.Error()
		if e.info.Error == "" {
			e.info.Error = "failed"
		}
	default:
		e.info.Status, e.info.Result = StatusCompleted, result
	}
	e.cancel(context.Canceled) // release the context's resources
	r.running--
	r.finishLocked(e)
	for r.running < r.opts.MaxConcurrent && len(r.queue) > 0 {
		next := r.queue[0]
		r.queue[0] = nil
		r.queue = r.queue[1:]
		r.startLocked(next)
	}
	info := e.info
	r.mu.Unlock()

	if r.opts.OnOutcome != nil {
		r.opts.OnOutcome(info)
	}
}

// expire is the timer callback of a running job: unless the job has already
// finished or been stopped, it records the timeout and cancels the context.
func (r *Runner) expire(e *entry) {
	defer r.wg.Done()
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.info.Status != StatusRunning || e.stop != "" {
		return
	}
	e.stop = StatusTimedOut
	e.stopMsg = fmt.Sprintf("timed out after %v", r.opts.Timeout)
	e.cancel(fmt.Errorf("%w: task %s", context.DeadlineExceeded, e.stopMsg))
}

// finishLocked stamps e as finished and forgets the oldest finished jobs
// beyond KeepFinished. r.mu must be held and e.info.Status be final.
func (r *Runner) finishLocked(e *entry) {
	e.info.FinishedAt = time.Now()
	e.run = nil
	r.finished = append(r.finished, e)
	for len(r.finished) > r.opts.KeepFinished {
		delete(r.jobs, r.finished[0].info.ID)
		r.finished[0] = nil
		r.finished = r.finished[1:]
	}
}
