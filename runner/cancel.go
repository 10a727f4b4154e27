package runner

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// Error messages of cancelled jobs.
const (
	msgCancelled = "cancelled"
	msgParent    = "cancelled with its parent task"
	msgDisposed  = "cancelled because the runner shut down"
)

// Cancel cancels a queued or running job. A queued job never runs; a running
// job's context is cancelled and it keeps its slot until Run returns. Either
// way the outcome is reported later, from a runner goroutine. Cancel of a
// finished job does nothing; of an unknown id it returns ErrUnknownTask.
func (r *Runner) Cancel(id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.jobs[id]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownTask, id)
	}
	r.cancelAllLocked([]*entry{e}, msgCancelled)
	return nil
}

// CancelByParent cancels every queued and running job of parentID, as Cancel
// does, and returns how many it cancelled (running jobs already being
// cancelled are not counted again). An empty parentID cancels nothing.
func (r *Runner) CancelByParent(parentID string) int {
	if parentID == "" {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var matched []*entry
	for _, e := range r.jobs {
		if e.info.ParentID == parentID && !e.info.Status.Final() {
			matched = append(matched, e)
		}
	}
	return r.cancelAllLocked(matched, msgParent)
}

// Dispose cancels every job, refuses further Submits and waits until every
// Run has returned and every OnOutcome call has been made. It may be called
// more than once, but not from Run or a callback.
func (r *Runner) Dispose() {
	r.mu.Lock()
	r.disposed = true
	var live []*entry
	for _, e := range r.jobs {
		if !e.info.Status.Final() {
			live = append(live, e)
		}
	}
	r.cancelAllLocked(live, msgDisposed)
	r.mu.Unlock()
	r.wg.Wait()
}

// cancelAllLocked cancels entries and returns how many it cancelled. The
// outcomes of the queued ones are reported, in submit order, by one new
// goroutine, so that OnOutcome never runs in the goroutine of a caller that
// may hold locks of its own. r.mu must be held.
func (r *Runner) cancelAllLocked(entries []*entry, msg string) int {
	slices.SortFunc(entries, func(a, b *entry) int { return cmp.Compare(a.seq, b.seq) })
	var dequeued []Info
	n := 0
	for _, e := range entries {
		info, wasQueued, cancelled := r.cancelLocked(e, msg)
		if wasQueued {
			dequeued = append(dequeued, info)
		}
		if cancelled {
			n++
		}
	}
	if len(dequeued) > 0 {
		r.wg.Add(1)
		go r.report(dequeued)
	}
	return n
}

// cancelLocked cancels e with the error message msg. A queued job is removed
// from the queue and finished at once: dequeued is true and info is the
// outcome the caller must report. A running job
// not yet stopped has its stop reason recorded and its context cancelled.
// cancelled reports whether either happened. r.mu must be held.
func (r *Runner) cancelLocked(e *entry, msg string) (info Info, dequeued, cancelled bool) {
	switch {
	case e.info.Status == StatusQueued:
		if i := slices.Index(r.queue, e); i >= 0 {
			r.queue = slices.Delete(r.queue, i, i+1)
		}
		e.info.Status, e.info.Error = StatusCancelled, msg
		r.finishLocked(e)
		return e.info, true, true
	case e.info.Status == StatusRunning && e.stop == "":
		e.stop, e.stopMsg = StatusCancelled, msg
		e.cancel(fmt.Errorf("%w: %s", context.Canceled, msg))
		return Info{}, false, true
	}
	return Info{}, false, false
}

// report delivers the outcomes of jobs cancelled while queued.
func (r *Runner) report(infos []Info) {
	defer r.wg.Done()
	if r.opts.OnOutcome == nil {
		return
	}
	for _, info := range infos {
		r.opts.OnOutcome(info)
	}
}
