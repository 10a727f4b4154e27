package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/agentls/agentls/runner"
)

// countdown closes done once n outcomes have been reported.
type countdown struct {
	left atomic.Int64
	done chan struct{}
}

func newCountdown(n int) *countdown {
	c := &countdown{done: make(chan struct{})}
	c.left.Store(int64(n))
	return c
}

func (c *countdown) tick(runner.Info) {
	if c.left.Add(-1) == 0 {
		close(c.done)
	}
}

func trivial(context.Context) (string, error) { return "ok", nil }

// runBatch pushes n trivial jobs through a runner with the given limit and
// waits for all their outcomes.
func runBatch(b *testing.B, n, limit int) {
	c := newCountdown(n)
	r, err := runner.New(runner.Options{MaxConcurrent: limit, QueueLimit: max(n, 1), OnOutcome: c.tick})
	if err != nil {
		b.Fatal(err)
	}
	for range n {
		if _, err := r.Submit(runner.Job{ParentID: "parent", Title: "job", Run: trivial}); err != nil {
			b.Fatal(err)
		}
	}
	<-c.done
	r.Dispose()
}

// BenchmarkRunnerThousandJobs: the runner's overhead per job, 1,000 trivial
// jobs through a limit of 3.
func BenchmarkRunnerThousandJobs(b *testing.B) {
	const jobs = 1000
	b.ReportAllocs()
	for b.Loop() {
		runBatch(b, jobs, 3)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*jobs), "ns/job")
}

// BenchmarkRunnerScaling: the same with 1 to 1,000 jobs per batch.
func BenchmarkRunnerScaling(b *testing.B) {
	for _, jobs := range []int{1, 10, 100, 1000} {
		b.Run(fmt.Sprintf("jobs=%d", jobs), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				runBatch(b, jobs, 3)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*jobs), "ns/job")
		})
	}
}

// BenchmarkRunnerCancelParent: a parent with 100 background jobs that block
// on their context (limit running, the rest queued) is cancelled; measured is
// the time from CancelByParent until all 100 outcomes have arrived.
func BenchmarkRunnerCancelParent(b *testing.B) {
	const jobs = 100
	block := func(ctx context.Context) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	}
	for _, limit := range []int{3, 32} {
		b.Run(fmt.Sprintf("limit=%d", limit), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				c := newCountdown(jobs)
				started := make(chan struct{}, limit)
				r, err := runner.New(runner.Options{
					MaxConcurrent: limit,
					QueueLimit:    jobs,
					OnOutcome:     c.tick,
					OnStart:       func(runner.Info) { started <- struct{}{} },
				})
				if err != nil {
					b.Fatal(err)
				}
				for range jobs {
					if _, err := r.Submit(runner.Job{ParentID: "parent", Run: block}); err != nil {
						b.Fatal(err)
					}
				}
				for range limit {
					<-started
				}
				b.StartTimer()
				if n := r.CancelByParent("parent"); n != jobs {
					b.Fatalf("cancelled %d jobs, want %d", n, jobs)
				}
				<-c.done
				b.StopTimer()
				r.Dispose()
			}
		})
	}
}
