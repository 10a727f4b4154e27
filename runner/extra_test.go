package runner_test

// Cases beyond the seed's: ordering, bounds, races, crashes and validation.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/runner"
)

func TestFIFOOrder(t *testing.T) {
	var mu sync.Mutex
	var order []int
	var startOrder []string
	rec := newRecorder()
	r, err := runner.New(runner.Options{
		MaxConcurrent: 1,
		OnOutcome:     rec.onOutcome,
		OnStart: func(info runner.Info) {
			assert.Equal(t, runner.StatusRunning, info.Status)
			mu.Lock()
			startOrder = append(startOrder, info.Title)
			mu.Unlock()
		},
	})
	require.NoError(t, err)
	defer r.Dispose()

	blocker := newGate()
	submit(t, r, runner.Job{Title: "blocker", Run: blocker.run})
	blocker.waitStarted(t)
	var want []string
	for i := range 10 {
		want = append(want, fmt.Sprint(i))
		submit(t, r, runner.Job{Title: fmt.Sprint(i), Run: func(context.Context) (string, error) {
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			return "", nil
		}})
	}
	close(blocker.release)
	for range 11 {
		rec.next(t)
	}
	assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, order)
	assert.Equal(t, append([]string{"blocker"}, want...), startOrder)
}

func TestQueueBound(t *testing.T) {
	r, rec := newRunner(t, runner.Options{MaxConcurrent: 1, QueueLimit: 3})
	g := newGate()
	submit(t, r, runner.Job{Run: g.run})
	var queued []string
	for range 3 {
		queued = append(queued, submit(t, r, runner.Job{Run: newGate().run}))
	}
	_, err := r.Submit(runner.Job{Run: newGate().run})
	require.ErrorIs(t, err, runner.ErrQueueFull)
	running, waiting := r.Counts()
	assert.Equal(t, 1, running)
	assert.Equal(t, 3, waiting)
	assert.Len(t, r.List(), 4, "the refused job is not listed")

	// Cancelling a queued job frees a place in the queue.
	require.NoError(t, r.Cancel(queued[1]))
	rec.next(t)
	submit(t, r, runner.Job{Run: newGate().run})
}

// Completion and timeout race: whichever the runner sees first under its
// lock wins, and there is exactly one outcome either way.
func TestExactlyOneOutcomeUnderCompletionTimeoutRace(t *testing.T) {
	const n = 500
	const timeout = time.Millisecond
	r, rec := newRunner(t, runner.Options{MaxConcurrent: 32, QueueLimit: n, KeepFinished: n, Timeout: timeout})
	ids := make([]string, n)
	for i := range ids {
		// Return, ignoring the context, at about the moment of the timeout.
		wait := time.Duration(rand.Int64N(int64(2 * timeout)))
		ids[i] = submit(t, r, runner.Job{Run: func(ctx context.Context) (string, error) {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
			return "done", nil
		}})
	}
	seen := map[runner.Status]int{}
	for range n {
		out := rec.next(t)
		seen[out.Status]++
		switch out.Status {
		case runner.StatusCompleted:
			assert.Equal(t, "done", out.Result)
			assert.Empty(t, out.Error)
		case runner.StatusTimedOut:
			assert.Empty(t, out.Result)
			assert.Equal(t, "timed out after 1ms", out.Error)
		default:
			t.Errorf("unexpected outcome %+v", out)
		}
		info, _ := r.Get(out.ID)
		assert.Equal(t, out, info, "the snapshot agrees with the outcome")
	}
	r.Dispose()
	for _, id := range ids {
		assert.Equal(t, 1, rec.count(id), id)
	}
	rec.none(t)
	t.Logf("outcomes: %v", seen)
}

func TestThousandJobsNeverMoreThanLimit(t *testing.T) {
	const n, limit = 1000, 3
	var current, peak, started atomic.Int64
	r, rec := newRunner(t, runner.Options{MaxConcurrent: limit, QueueLimit: n})
	for range n {
		submit(t, r, runner.Job{Run: func(context.Context) (string, error) {
			now := current.Add(1)
			started.Add(1)
			for {
				p := peak.Load()
				if now <= p || peak.CompareAndSwap(p, now) {
					break
				}
			}
			runtime.Gosched() // let other jobs overlap with this one
			current.Add(-1)
			return "", nil
		}})
		running, _ := r.Counts()
		require.LessOrEqual(t, running, limit)
	}
	for range n {
		assert.Equal(t, runner.StatusCompleted, rec.next(t).Status)
	}
	assert.EqualValues(t, n, started.Load())
	assert.LessOrEqual(t, peak.Load(), int64(limit))
	assert.Positive(t, peak.Load())
}

func TestPanicRecovered(t *testing.T) {
	var logged strings.Builder
	var logMu sync.Mutex
	rec := newRecorder()
	r, err := runner.New(runner.Options{
		MaxConcurrent: 1,
		OnOutcome:     rec.onOutcome,
		Logger:        newTestLogger(&logMu, &logged),
	})
	require.NoError(t, err)
	defer r.Dispose()

	submit(t, r, runner.Job{Run: func(context.Context) (string, error) { panic("boom") }})
	out := rec.next(t)
	assert.Equal(t, runner.StatusFailed, out.Status)
	assert.Contains(t, out.Error, "boom")
	logMu.Lock()
	assert.Contains(t, logged.String(), "background task panicked")
	logMu.Unlock()

	submit(t, r, runner.Job{Run: func(context.Context) (string, error) { panic(nil) }})
	assert.Equal(t, runner.StatusFailed, rec.next(t).Status)

	// runtime.Goexit skips the rest of Run; the job still gets an outcome.
	submit(t, r, runner.Job{Run: func(context.Context) (string, error) {
		runtime.Goexit()
		return "", nil
	}})
	out = rec.next(t)
	assert.Equal(t, runner.StatusFailed, out.Status)
	assert.NotEmpty(t, out.Error)

	// The runner keeps working and its slot was given back.
	submit(t, r, runner.Job{Run: func(context.Context) (string, error) { return "fine", nil }})
	assert.Equal(t, "fine", rec.next(t).Result)
}

func TestSubmitWithoutRun(t *testing.T) {
	r, _ := newRunner(t, runner.Options{})
	_, err := r.Submit(runner.Job{Title: "nothing to do"})
	require.Error(t, err)
	assert.Empty(t, r.List())
}

func TestOptionsValidation(t *testing.T) {
	bad := []struct {
		opts  runner.Options
		field string
	}{
		{runner.Options{MaxConcurrent: -1}, "MaxConcurrent"},
		{runner.Options{MaxConcurrent: 33}, "MaxConcurrent"},
		{runner.Options{Timeout: -time.Second}, "Timeout"},
		{runner.Options{Timeout: 999 * time.Millisecond}, "Timeout"},
		{runner.Options{Timeout: 3601 * time.Second}, "Timeout"},
		{runner.Options{QueueLimit: -1}, "QueueLimit"},
		{runner.Options{QueueLimit: 10001}, "QueueLimit"},
		{runner.Options{KeepFinished: -1}, "KeepFinished"},
		{runner.Options{KeepFinished: 10001}, "KeepFinished"},
	}
	for _, tc := range bad {
		r, err := runner.New(tc.opts)
		assert.Nil(t, r)
		if assert.Error(t, err, "%+v", tc.opts) {
			assert.Contains(t, err.Error(), tc.field)
		}
	}
	good := []runner.Options{
		{MaxConcurrent: 1, Timeout: time.Second, QueueLimit: 1, KeepFinished: 1},
		{MaxConcurrent: 32, Timeout: 3600 * time.Second, QueueLimit: 10000, KeepFinished: 10000},
	}
	for _, opts := range good {
		r, err := runner.New(opts)
		require.NoError(t, err, "%+v", opts)
		got := r.Options()
		assert.Equal(t, opts.MaxConcurrent, got.MaxConcurrent)
		assert.Equal(t, opts.Timeout, got.Timeout)
		r.Dispose()
	}
}

func TestListOrderAndKeepFinished(t *testing.T) {
	r, rec := newRunner(t, runner.Options{MaxConcurrent: 3, KeepFinished: 2})
	a, b, c := newGate(), newGate(), newGate()
	idA := submit(t, r, runner.Job{Title: "a", Run: a.run})
	idB := submit(t, r, runner.Job{Title: "b", Run: b.run})
	idC := submit(t, r, runner.Job{Title: "c", Run: c.run})
	// Finish in the order c, a, b: c is the least recently finished.
	for _, g := range []*gate{c, a, b} {
		g.waitStarted(t)
		close(g.release)
		rec.next(t)
	}
	_, ok := r.Get(idC)
	assert.False(t, ok, "trimmed")

	d, e, f, g := newGate(), newGate(), newGate(), newGate()
	idD := submit(t, r, runner.Job{Title: "d", Run: d.run})
	idE := submit(t, r, runner.Job{Title: "e", Run: e.run})
	idF := submit(t, r, runner.Job{Title: "f", Run: f.run})
	idG := submit(t, r, runner.Job{Title: "g", Run: g.run})
	d.waitStarted(t)
	e.waitStarted(t)
	f.waitStarted(t)

	type row struct {
		id     string
		status runner.Status
	}
	var got []row
	for _, info := range r.List() {
		got = append(got, row{info.ID, info.Status})
	}
	assert.Equal(t, []row{
		{idA, runner.StatusCompleted}, {idB, runner.StatusCompleted},
		{idD, runner.StatusRunning}, {idE, runner.StatusRunning}, {idF, runner.StatusRunning},
		{idG, runner.StatusQueued},
	}, got, "submit order, not finish order")

	// A forgotten id may be used again.
	submit(t, r, runner.Job{ID: idC, Run: newGate().run})
}

// The first stop reason wins: a job that timed out stays timed out when a
// Cancel arrives before its Run returns.
func TestTimeoutThenCancelStaysTimedOut(t *testing.T) {
	r, rec := newRunner(t, runner.Options{Timeout: 5 * time.Millisecond})
	expired, release := make(chan struct{}), make(chan struct{})
	id := submit(t, r, runner.Job{Run: func(ctx context.Context) (string, error) {
		<-ctx.Done()
		close(expired)
		<-release
		return "late", nil
	}})
	<-expired
	require.NoError(t, r.Cancel(id))
	assert.Equal(t, 0, r.CancelByParent(""), "no parent")
	close(release)
	out := rec.next(t)
	assert.Equal(t, runner.StatusTimedOut, out.Status)
	r.Dispose()
	assert.Equal(t, 1, rec.count(id))
}

// A job cancelled after it was given a slot but before Run was called never
// runs. OnStart runs without the lock held, so it may call the runner.
func TestCancelledBeforeRunNeverRuns(t *testing.T) {
	var r *runner.Runner
	rec := newRecorder()
	var ran atomic.Bool
	r, err := runner.New(runner.Options{
		OnOutcome: rec.onOutcome,
		OnStart:   func(info runner.Info) { assert.NoError(t, r.Cancel(info.ID)) },
	})
	require.NoError(t, err)
	defer r.Dispose()
	submit(t, r, runner.Job{Run: func(context.Context) (string, error) {
		ran.Store(true)
		return "", nil
	}})
	out := rec.next(t)
	assert.Equal(t, runner.StatusCancelled, out.Status)
	assert.False(t, ran.Load())
}

// OnOutcome runs without the lock held, so it may submit follow-up work.
func TestOnOutcomeMaySubmit(t *testing.T) {
	rec := newRecorder()
	var r *runner.Runner
	r, err := runner.New(runner.Options{OnOutcome: func(info runner.Info) {
		if info.Title == "first" {
			_, err := r.Submit(runner.Job{Title: "second", Run: func(context.Context) (string, error) { return "2", nil }})
			assert.NoError(t, err)
		}
		rec.onOutcome(info)
	}})
	require.NoError(t, err)
	defer r.Dispose()
	submit(t, r, runner.Job{Title: "first", Run: func(context.Context) (string, error) { return "1", nil }})
	assert.Equal(t, "1", rec.next(t).Result)
	assert.Equal(t, "2", rec.next(t).Result)
}

// Outcomes are reported from the runner's goroutines, so a caller may hold
// a lock that its OnOutcome also takes while it cancels.
func TestCancelWhileHoldingCallerLock(t *testing.T) {
	var mu sync.Mutex
	rec := newRecorder()
	r, err := runner.New(runner.Options{MaxConcurrent: 1, OnOutcome: func(info runner.Info) {
		mu.Lock()
		defer mu.Unlock()
		rec.onOutcome(info)
	}})
	require.NoError(t, err)
	defer r.Dispose()
	g := newGate()
	submit(t, r, runner.Job{ParentID: "P", Run: g.run})
	queuedID := submit(t, r, runner.Job{ParentID: "P", Run: newGate().run})
	g.waitStarted(t)

	mu.Lock()
	require.NoError(t, r.Cancel(queuedID))
	assert.Equal(t, 1, r.CancelByParent("P"))
	mu.Unlock()
	got := map[string]bool{rec.next(t).ID: true, rec.next(t).ID: true}
	assert.True(t, got[queuedID])
}
