package runner_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/agentls/agentls/runner"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// guard bounds every wait in these tests so that a bug fails the test
// instead of hanging it; it is never what a test waits for.
const guard = 10 * time.Second

// recorder collects outcomes reported through Options.OnOutcome.
type recorder struct {
	ch     chan runner.Info
	mu     sync.Mutex
	counts map[string]int
}

func newRecorder() *recorder {
	return &recorder{ch: make(chan runner.Info, 4096), counts: make(map[string]int)}
}

func (rec *recorder) onOutcome(info runner.Info) {
	rec.mu.Lock()
	rec.counts[info.ID]++
	rec.mu.Unlock()
	rec.ch <- info
}

// next waits for the next outcome.
func (rec *recorder) next(t *testing.T) runner.Info {
	t.Helper()
	select {
	case info := <-rec.ch:
		return info
	case <-time.After(guard):
		t.Fatal("no outcome arrived")
		return runner.Info{}
	}
}

// none asserts that no outcome is waiting to be read.
func (rec *recorder) none(t *testing.T) {
	t.Helper()
	select {
	case info := <-rec.ch:
		t.Fatalf("unexpected outcome %+v", info)
	default:
	}
}

// count returns how many outcomes were reported for id.
func (rec *recorder) count(id string) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.counts[id]
}

// newRunner returns a runner reporting to a new recorder, disposed when the
// test ends.
func newRunner(t *testing.T, opts runner.Options) (*runner.Runner, *recorder) {
	t.Helper()
	rec := newRecorder()
	opts.OnOutcome = rec.onOutcome
	r, err := runner.NewWithMinTimeout(opts, time.Millisecond)
	require.NoError(t, err)
	t.Cleanup(r.Dispose)
	return r, rec
}

// gate is a job that signals when it starts and returns when released or
// when its context is done.
type gate struct {
	started chan struct{}
	release chan struct{}
	cause   chan error // context.Cause when the context ended the job
}

func newGate() *gate {
	return &gate{started: make(chan struct{}), release: make(chan struct{}), cause: make(chan error, 1)}
}

func (g *gate) run(ctx context.Context) (string, error) {
	close(g.started)
	select {
	case <-g.release:
		return "released", nil
	case <-ctx.Done():
		g.cause <- context.Cause(ctx)
		return "", ctx.Err()
	}
}

func (g *gate) waitStarted(t *testing.T) {
	t.Helper()
	select {
	case <-g.started:
	case <-time.After(guard):
		t.Fatal("job did not start")
	}
}

// hasStarted reports whether the job has started, without waiting.
func (g *gate) hasStarted() bool {
	select {
	case <-g.started:
		return true
	default:
		return false
	}
}

func submit(t *testing.T, r *runner.Runner, job runner.Job) string {
	t.Helper()
	id, err := r.Submit(job)
	require.NoError(t, err)
	return id
}
