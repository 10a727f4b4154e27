package runner_test

// The cases ported from the seed PR's BackgroundTaskRunner tests.

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/agentls/agentls/runner"
)

func TestDefaults(t *testing.T) {
	r, err := runner.New(runner.Options{})
	require.NoError(t, err)
	defer r.Dispose()

	opts := r.Options()
	assert.Equal(t, 3, opts.MaxConcurrent)
	assert.Equal(t, 300*time.Second, opts.Timeout)
	assert.Equal(t, 64, opts.QueueLimit)
	assert.Equal(t, 100, opts.KeepFinished)
	running, queued := r.Counts()
	assert.Zero(t, running)
	assert.Zero(t, queued)
	assert.True(t, r.CanAccept())
	assert.Empty(t, r.List())

	// The default limit really applies: the fourth job waits.
	gates := make([]*gate, 4)
	for i := range gates {
		gates[i] = newGate()
		submit(t, r, runner.Job{Title: "job " + strconv.Itoa(i), Run: gates[i].run})
	}
	for _, g := range gates[:3] {
		g.waitStarted(t)
	}
	running, queued = r.Counts()
	assert.Equal(t, 3, running)
	assert.Equal(t, 1, queued)
	assert.False(t, gates[3].hasStarted())
}

func TestCustomLimitAndTimeout(t *testing.T) {
	r, rec := newRunner(t, runner.Options{MaxConcurrent: 1, Timeout: 20 * time.Millisecond})
	assert.Equal(t, 1, r.Options().MaxConcurrent)
	assert.Equal(t, 20*time.Millisecond, r.Options().Timeout)

	first, second := newGate(), newGate()
	id1 := submit(t, r, runner.Job{Title: "first", Run: first.run})
	id2 := submit(t, r, runner.Job{Title: "second", Run: second.run})
	first.waitStarted(t)
	info, ok := r.Get(id2)
	require.True(t, ok)
	assert.Equal(t, runner.StatusQueued, info.Status)

	// Neither job is released: each times out, one after the other, the
	// second one's clock starting only when it starts running.
	out := rec.next(t)
	assert.Equal(t, id1, out.ID)
	assert.Equal(t, runner.StatusTimedOut, out.Status)
	second.waitStarted(t)
	out = rec.next(t)
	assert.Equal(t, id2, out.ID)
	assert.Equal(t, runner.StatusTimedOut, out.Status)
	assert.False(t, out.StartedAt.Before(info.CreatedAt))
}

func TestSubmitRegistersJob(t *testing.T) {
	r, _ := newRunner(t, runner.Options{})
	g := newGate()
	before := time.Now()
	id := submit(t, r, runner.Job{ParentID: "parent", Title: "look around", Run: g.run})
	g.waitStarted(t)

	_, err := uuid.Parse(id)
	assert.NoError(t, err, "a generated id is a UUID")
	info, ok := r.Get(id)
	require.True(t, ok)
	assert.Equal(t, id, info.ID)
	assert.Equal(t, "parent", info.ParentID)
	assert.Equal(t, "look around", info.Title)
	assert.Equal(t, runner.StatusRunning, info.Status)
	assert.False(t, info.CreatedAt.Before(before))
	assert.False(t, info.StartedAt.Before(info.CreatedAt))
	assert.True(t, info.FinishedAt.IsZero())

	id2 := submit(t, r, runner.Job{ID: "chosen", Run: newGate().run})
	assert.Equal(t, "chosen", id2)
}

func TestParentTracking(t *testing.T) {
	r, rec := newRunner(t, runner.Options{MaxConcurrent: 4})
	a1, a2, b1 := newGate(), newGate(), newGate()
	ida1 := submit(t, r, runner.Job{ParentID: "A", Run: a1.run})
	ida2 := submit(t, r, runner.Job{ParentID: "A", Run: a2.run})
	idb1 := submit(t, r, runner.Job{ParentID: "B", Run: b1.run})
	for _, g := range []*gate{a1, a2, b1} {
		g.waitStarted(t)
	}

	parents := map[string]string{}
	for _, info := range r.List() {
		parents[info.ID] = info.ParentID
	}
	assert.Equal(t, map[string]string{ida1: "A", ida2: "A", idb1: "B"}, parents)

	assert.Equal(t, 2, r.CancelByParent("A"))
	got := map[string]runner.Status{}
	for range 2 {
		out := rec.next(t)
		got[out.ID] = out.Status
	}
	assert.Equal(t, map[string]runner.Status{ida1: runner.StatusCancelled, ida2: runner.StatusCancelled}, got)
	info, _ := r.Get(idb1)
	assert.Equal(t, runner.StatusRunning, info.Status, "another parent's job is untouched")
}

func TestDuplicateIDRefused(t *testing.T) {
	r, rec := newRunner(t, runner.Options{})
	g := newGate()
	submit(t, r, runner.Job{ID: "same", Run: g.run})
	_, err := r.Submit(runner.Job{ID: "same", Run: newGate().run})
	require.ErrorIs(t, err, runner.ErrDuplicateID)
	assert.Contains(t, err.Error(), `"same"`)

	// Still refused once finished, while the runner remembers it.
	close(g.release)
	assert.Equal(t, runner.StatusCompleted, rec.next(t).Status)
	_, err = r.Submit(runner.Job{ID: "same", Run: newGate().run})
	assert.ErrorIs(t, err, runner.ErrDuplicateID)
	running, queued := r.Counts()
	assert.Zero(t, running+queued, "a refused job is not registered")
}

func TestQueuesAtLimitInsteadOfRefusing(t *testing.T) {
	r, rec := newRunner(t, runner.Options{MaxConcurrent: 2})
	gates := []*gate{newGate(), newGate(), newGate()}
	ids := make([]string, len(gates))
	for i, g := range gates {
		ids[i] = submit(t, r, runner.Job{Run: g.run})
	}
	gates[0].waitStarted(t)
	gates[1].waitStarted(t)
	running, queued := r.Counts()
	assert.Equal(t, 2, running)
	assert.Equal(t, 1, queued)
	info, _ := r.Get(ids[2])
	assert.Equal(t, runner.StatusQueued, info.Status)
	assert.True(t, info.StartedAt.IsZero())

	close(gates[0].release)
	assert.Equal(t, ids[0], rec.next(t).ID)
	gates[2].waitStarted(t)
	info, _ = r.Get(ids[2])
	assert.Equal(t, runner.StatusRunning, info.Status)
}

func TestCanAcceptReporting(t *testing.T) {
	r, rec := newRunner(t, runner.Options{MaxConcurrent: 1, QueueLimit: 1})
	assert.True(t, r.CanAccept(), "empty")
	g1, g2 := newGate(), newGate()
	submit(t, r, runner.Job{Run: g1.run})
	assert.True(t, r.CanAccept(), "one running, queue empty")
	submit(t, r, runner.Job{Run: g2.run})
	assert.False(t, r.CanAccept(), "one running, queue full")

	_, err := r.Submit(runner.Job{Run: newGate().run})
	require.ErrorIs(t, err, runner.ErrQueueFull)
	assert.Contains(t, err.Error(), "1 tasks are running and 1 are waiting, the most allowed")

	g1.waitStarted(t)
	close(g1.release)
	rec.next(t)
	g2.waitStarted(t)
	assert.True(t, r.CanAccept(), "the queued job took the free slot")

	r.Dispose()
	assert.False(t, r.CanAccept(), "disposed")
}

func TestCompletionReturnsInfoAndClearsTimeout(t *testing.T) {
	r, rec := newRunner(t, runner.Options{})
	g := newGate()
	id := submit(t, r, runner.Job{ParentID: "p", Title: "finish me", Run: g.run})
	g.waitStarted(t)
	assert.Equal(t, 1, r.ArmedTimers())

	close(g.release)
	out := rec.next(t)
	assert.Equal(t, id, out.ID)
	assert.Equal(t, "p", out.ParentID)
	assert.Equal(t, "finish me", out.Title)
	assert.Equal(t, runner.StatusCompleted, out.Status)
	assert.Equal(t, "released", out.Result)
	assert.Empty(t, out.Error)
	assert.False(t, out.FinishedAt.Before(out.StartedAt))
	assert.Zero(t, r.ArmedTimers(), "the timeout is cleared on completion")

	info, ok := r.Get(id)
	require.True(t, ok)
	assert.Equal(t, out, info)
	running, queued := r.Counts()
	assert.Zero(t, running+queued)
}

func TestUnknownTask(t *testing.T) {
	r, _ := newRunner(t, runner.Options{})
	_, ok := r.Get("missing")
	assert.False(t, ok)
	assert.Equal(t, 0, r.CancelByParent("missing"))
}

func TestCancel(t *testing.T) {
	r, rec := newRunner(t, runner.Options{MaxConcurrent: 1})
	running, queued := newGate(), newGate()
	runID := submit(t, r, runner.Job{Run: running.run})
	queuedID := submit(t, r, runner.Job{Run: queued.run})
	running.waitStarted(t)

	// A queued job is finished before Cancel returns and never runs.
	require.NoError(t, r.Cancel(queuedID))
	info, _ := r.Get(queuedID)
	assert.Equal(t, runner.StatusCancelled, info.Status)
	out := rec.next(t)
	assert.Equal(t, queuedID, out.ID)
	assert.Equal(t, runner.StatusCancelled, out.Status)
	assert.NotEmpty(t, out.Error)
	assert.True(t, out.StartedAt.IsZero())
	assert.False(t, out.FinishedAt.IsZero())

	// A running job sees its context cancelled.
	require.NoError(t, r.Cancel(runID))
	out = rec.next(t)
	assert.Equal(t, runID, out.ID)
	assert.Equal(t, runner.StatusCancelled, out.Status)
	assert.Equal(t, "cancelled", out.Error)
	assert.ErrorIs(t, <-running.cause, context.Canceled)

	r.Dispose()
	assert.False(t, queued.hasStarted())
	assert.Equal(t, 1, rec.count(runID))
	assert.Equal(t, 1, rec.count(queuedID))
}

func TestCancelUnknown(t *testing.T) {
	r, rec := newRunner(t, runner.Options{})
	err := r.Cancel("nope")
	require.ErrorIs(t, err, runner.ErrUnknownTask)
	assert.Contains(t, err.Error(), `"nope"`)

	// A finished job: no error, nothing changes.
	id := submit(t, r, runner.Job{Run: func(context.Context) (string, error) { return "ok", nil }})
	assert.Equal(t, runner.StatusCompleted, rec.next(t).Status)
	require.NoError(t, r.Cancel(id))
	info, _ := r.Get(id)
	assert.Equal(t, runner.StatusCompleted, info.Status)
	r.Dispose()
	rec.none(t)
}

// The seed reported an error when cancelling failed. Here cancelling only
// asks: a Run that ignores its context keeps its slot until it returns, and
// then it gets exactly one outcome, cancelled, whatever it returned.
func TestCancelIgnoredUntilRunReturns(t *testing.T) {
	r, rec := newRunner(t, runner.Options{MaxConcurrent: 1})
	started, release := make(chan struct{}), make(chan struct{})
	id := submit(t, r, runner.Job{Run: func(context.Context) (string, error) {
		close(started)
		<-release
		return "finished anyway", nil
	}})
	<-started
	next := newGate()
	nextID := submit(t, r, runner.Job{Run: next.run})

	require.NoError(t, r.Cancel(id))
	require.NoError(t, r.Cancel(id), "cancelling twice is harmless")
	info, _ := r.Get(id)
	assert.Equal(t, runner.StatusRunning, info.Status, "still running until Run returns")
	running, queued := r.Counts()
	assert.Equal(t, 1, running)
	assert.Equal(t, 1, queued, "the slot stays taken")
	rec.none(t)

	close(release)
	out := rec.next(t)
	assert.Equal(t, id, out.ID)
	assert.Equal(t, runner.StatusCancelled, out.Status)
	assert.Empty(t, out.Result)
	next.waitStarted(t)
	close(next.release)
	assert.Equal(t, nextID, rec.next(t).ID)
	r.Dispose()
	assert.Equal(t, 1, rec.count(id))
}

func TestCancelByParent(t *testing.T) {
	r, rec := newRunner(t, runner.Options{MaxConcurrent: 2})
	var parentIDs []string
	var gates []*gate
	for range 4 { // two running, two queued
		g := newGate()
		gates = append(gates, g)
		parentIDs = append(parentIDs, submit(t, r, runner.Job{ParentID: "P", Run: g.run}))
	}
	other := newGate()
	otherID := submit(t, r, runner.Job{ParentID: "Q", Run: other.run})
	gates[0].waitStarted(t)
	gates[1].waitStarted(t)

	assert.Equal(t, 4, r.CancelByParent("P"))
	assert.Equal(t, 0, r.CancelByParent("P"), "nothing left to cancel")
	assert.Equal(t, 0, r.CancelByParent(""))

	got := map[string]runner.Status{}
	for range 4 {
		out := rec.next(t)
		got[out.ID] = out.Status
		assert.Equal(t, "cancelled with its parent task", out.Error)
	}
	for _, id := range parentIDs {
		assert.Equal(t, runner.StatusCancelled, got[id])
	}
	// The other parent's job takes a freed slot and completes.
	other.waitStarted(t)
	close(other.release)
	out := rec.next(t)
	assert.Equal(t, otherID, out.ID)
	assert.Equal(t, runner.StatusCompleted, out.Status)
	assert.False(t, gates[2].hasStarted())
	assert.False(t, gates[3].hasStarted())
}

func TestTimeoutCancelsAndReports(t *testing.T) {
	r, rec := newRunner(t, runner.Options{Timeout: 20 * time.Millisecond})
	g := newGate()
	id := submit(t, r, runner.Job{Title: "slow", Run: g.run})

	out := rec.next(t)
	assert.Equal(t, id, out.ID)
	assert.Equal(t, runner.StatusTimedOut, out.Status)
	assert.Equal(t, "timed out after 20ms", out.Error)
	assert.Empty(t, out.Result)
	cause := <-g.cause
	assert.ErrorIs(t, cause, context.DeadlineExceeded, "Run can tell a timeout from a cancel")
	assert.Zero(t, r.ArmedTimers())
}

func TestDisposeCancelsAll(t *testing.T) {
	rec := newRecorder()
	r, err := runner.New(runner.Options{MaxConcurrent: 2, OnOutcome: rec.onOutcome})
	require.NoError(t, err)
	var ids []string
	var gates []*gate
	for range 5 {
		g := newGate()
		gates = append(gates, g)
		ids = append(ids, submit(t, r, runner.Job{ParentID: "P", Run: g.run}))
	}
	gates[0].waitStarted(t)
	gates[1].waitStarted(t)

	r.Dispose()
	// Every outcome has been reported by the time Dispose returns.
	for _, id := range ids {
		assert.Equal(t, 1, rec.count(id), id)
		info, _ := r.Get(id)
		assert.Equal(t, runner.StatusCancelled, info.Status)
	}
	for _, g := range gates[2:] {
		assert.False(t, g.hasStarted())
	}
	_, err = r.Submit(runner.Job{Run: newGate().run})
	assert.ErrorIs(t, err, runner.ErrDisposed)
	assert.False(t, r.CanAccept())
	r.Dispose() // again: harmless
	running, queued := r.Counts()
	assert.Zero(t, running+queued)
	goleak.VerifyNone(t) // nothing of the runner is left running
}

func TestTaskInfoLookups(t *testing.T) {
	r, rec := newRunner(t, runner.Options{MaxConcurrent: 1})
	done := submit(t, r, runner.Job{Title: "done", Run: func(context.Context) (string, error) { return "r", nil }})
	rec.next(t)
	failing := submit(t, r, runner.Job{Title: "failing", Run: func(context.Context) (string, error) { return "", errors.New("no such file") }})
	out := rec.next(t)
	assert.Equal(t, runner.StatusFailed, out.Status)
	assert.Equal(t, "no such file", out.Error)
	g := newGate()
	runningID := submit(t, r, runner.Job{Title: "running", Run: g.run})
	queuedID := submit(t, r, runner.Job{Title: "queued", Run: newGate().run})
	g.waitStarted(t)

	want := map[string]runner.Status{
		done: runner.StatusCompleted, failing: runner.StatusFailed,
		runningID: runner.StatusRunning, queuedID: runner.StatusQueued,
	}
	for id, status := range want {
		info, ok := r.Get(id)
		require.True(t, ok, id)
		assert.Equal(t, status, info.Status, id)
	}
	list := r.List()
	require.Len(t, list, 4)
	for _, info := range list {
		assert.Equal(t, want[info.ID], info.Status)
	}
}
