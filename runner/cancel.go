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

// Cancel cancels a queued or running job. A queued job never runs and its
// outcome is reported before Cancel returns; a running job's context is
// cancelled and its outcome is reported once Run returns. Cancel of a
// finished job does nothing; of an unknown id it returns ErrUnknownTask.
func (r *Runner) Cancel(id string) error {
	r.mu.Lock()
	e, ok := r.jobs[id]
	if !ok {
		r.mu.Unlock()
		return fmt.Errorf("%w: %q", ErrUnknownTask, id)
	}
	info, dequeued, _ := r.cancelLocked(e, msgCancelled)
	r.mu.Unlock()
	if dequeued {
		r.report(info)
	}
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
	var matched []*entry
	for _, e := range r.jobs {
		if e.info.ParentID == parentID && !e.info.Status.Final() {
			matched = append(matched, e)
		}
	}
	infos, n := r.cancelAllLocked(matched, msgParent)
	r.mu.Unlock()
	for _, info := range infos {
		r.report(info)
	}
	return n
}

// Dispose cancels every job, refuses further Submits and waits until every
// Run has returned and every OnOutcome call has been made. It may be called
// more than once, but not from Run or OnOutcome.
func (r *Runner) Dispose() {
	r.mu.Lock()
	r.disposed = true
	var live []*entry
	for _, e := range r.jobs {
		if !e.info.Status.Final() {
			live = append(live, e)
		}
	}
	infos, _ := r.cancelAllLocked(live, msgDisposed)
	r.mu.Unlock()
	for _, info := range infos {
		r.report(info)
	}
	r.wg.Wait()
}

// cancelAllLocked cancels entries in submit order and returns the outcomes
// of those removed from the queue, to be reported once r.mu is released, and
// how many it cancelled. r.mu must be held.
func (r *Runner) cancelAllLocked(entries []*entry, msg string) ([]Info, int) {
	slices.SortFunc(entries, func(a, b *entry) int { return cmp.Compare(a.seq, b.seq) })
	var infos []Info
	n := 0
	for _, e := range entries {
		info, dequeued, cancelled := r.cancelLocked(e, msg)
		if dequeued {
			infos = append(infos, info)
		}
		if cancelled {
			n++
		}
	}
	return infos, n
}

// cancelLocked cancels e with the error message msg. A queued job is removed
// from the queue and finished at once: dequeued is true and info is the
// outcome the caller must pass to report after releasing r.mu. A running job
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
		r.wg.Add(1) // until report has called OnOutcome
		return e.info, true, true
	case e.info.Status == StatusRunning && e.stop == "":
		e.stop, e.stopMsg = StatusCancelled, msg
		e.cancel(fmt.Errorf("%w: %s", context.Canceled, msg))
		return Info{}, false, true
	}
	return Info{}, false, false
}

// report delivers the outcome of a job cancelled while queued.
func (r *Runner) report(info Info) {
	defer r.wg.Done()
	if r.opts.OnOutcome != nil {
		r.opts.OnOutcome(info)
	}
}
