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
// running job also owns a timer whose callback may briefly run in its own
// goroutine. Both are counted in a WaitGroup so that Dispose returns only
// after every Run has returned and every OnOutcome has been called.
//
// # Lock discipline
//
// One mutex (Runner.mu) guards all state: the job table, the queue, the
// counters and every field of every entry. It is held only for short,
// non-blocking bookkeeping. It is never held while calling user code: Run,
// OnStart and OnOutcome are always called after it has been released.
// (Context cancel functions are called with it held; they do not call user
// code synchronously.)
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
