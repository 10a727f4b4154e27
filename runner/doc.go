// Package runner runs jobs in the background with a bounded number executing at
// once, a bounded FIFO queue for the rest, a timeout per job, cancellation of
// one job, of all jobs of a parent, or of everything, and exactly one outcome
// per job.
//
// The runner knows nothing of RPC, models or tasks: a job is a title, an
// optional parent id and a function taking a context. Callers learn about
// outcomes through Options.OnOutcome and can take snapshots with Get and List.
//
// # Goroutines
//
// Only running jobs own a goroutine; queued jobs are entries in a slice. Each
// running job also owns a timer, armed just before Run is called, whose
// callback may briefly run in its own goroutine; and the outcomes of jobs
// cancelled while queued are reported by one short-lived goroutine per
// Cancel, CancelByParent or Dispose call. All are counted in a WaitGroup, so
// Dispose returns only after every Run has returned and every OnOutcome has
// been called.
//
// # Lock discipline
//
// One mutex (Runner.mu) guards all state: the job table, the queue, the
// counters and every field of every entry. It is held only for short,
// non-blocking bookkeeping and never while user code runs: Run, OnStart and
// OnOutcome are called from the runner's own goroutines after it has been
// released, never from the goroutine of a caller of a Runner method. So
// callbacks may call the Runner, and callers may hold a lock of their own
// that the callbacks also take. (Context cancel functions are called with
// the mutex held; they call no user code synchronously.)
//
// The final status of a job is decided exactly once, under the lock:
//   - a queued job is finalised by whoever removes it from the queue to cancel
//     it (Cancel, CancelByParent, Dispose);
//   - a running job is finalised by its own goroutine when Run returns. Cancel
//     and the timeout only record a reason (the first one recorded wins) and
//     cancel the context; the recorded reason, if any, decides the status.
//
// Run and the callbacks must not call Dispose (it would wait for itself).
package runner
