package bench

import (
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/agentls/agentls/rpc"
)

// Wire benchmarks: the agentls binary and the vscode-jsonrpc Node peer
// (bench/node) side by side, spawned as an editor spawns them and driven
// over their stdio by the same Go client. See bench/README.md.
//
//	go test -run '^$' -bench 'Start|RoundTrip|Notifications|Memory' -count 5 ./bench/

// BenchmarkColdStart: from spawning the process until initialize is
// answered; node-bare is `node -e ”` run to its exit, the floor of any
// Node-based sidecar.
func BenchmarkColdStart(b *testing.B) {
	b.Run("agentls", func(b *testing.B) { benchStart(b, agentlsPeer(b)) })
	b.Run("node-peer", func(b *testing.B) { benchStart(b, nodePeer(b)) })
	b.Run("node-bare", func(b *testing.B) {
		node, err := exec.LookPath("node")
		if err != nil {
			b.Skip("node is not installed")
		}
		lat := make([]time.Duration, 0, b.N)
		for b.Loop() {
			start := time.Now()
			if out, err := exec.Command(node, "-e", "").CombinedOutput(); err != nil {
				b.Fatalf("node -e '': %v\n%s", err, out)
			}
			lat = append(lat, time.Since(start))
		}
		reportMedian(b, lat, "ms-median")
	})
}

func benchStart(b *testing.B, p peer) {
	lat := make([]time.Duration, 0, b.N)
	for b.Loop() {
		c := spawn(b, p)
		c.initialize(false)
		lat = append(lat, time.Since(c.start))
		b.StopTimer()
		c.end()
		b.StartTimer()
	}
	reportMedian(b, lat, "ms-median")
}

// BenchmarkRoundTrip: one background/list request after another on a
// started server, as p50 and p99 of the round trip.
func BenchmarkRoundTrip(b *testing.B) {
	b.Run("agentls", func(b *testing.B) { benchRoundTrip(b, agentlsPeer(b)) })
	b.Run("node", func(b *testing.B) { benchRoundTrip(b, nodePeer(b)) })
}

func benchRoundTrip(b *testing.B, p peer) {
	c := spawn(b, p)
	c.initialize(false)
	var res rpc.TaskListResult
	for range 100 { // warm up both runtimes (the JIT, the Go scheduler)
		c.call("background/list", struct{}{}, &res)
	}
	lat := make([]time.Duration, 0, b.N)
	for b.Loop() {
		start := time.Now()
		c.call("background/list", struct{}{}, &res)
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	c.end()
	slices.Sort(lat)
	b.ReportMetric(micros(percentile(lat, 50)), "µs-p50")
	b.ReportMetric(micros(percentile(lat, 99)), "µs-p99")
}

// BenchmarkNotifications: a task of 1,000 tool calls, from task/start to
// its final task/state: 2,004 notifications (the running state, the user
// message, pending and done per call, the completion, the final state).
// agentls persists (and fsyncs) every message before it is sent;
// "agentls-tmpfs" keeps its history on /dev/shm, where fsync costs nothing,
// which isolates the wire; the Node peer only sends.
func BenchmarkNotifications(b *testing.B) {
	b.Run("agentls", func(b *testing.B) { benchNotifications(b, agentlsPeer(b)) })
	b.Run("agentls-tmpfs", func(b *testing.B) {
		p := agentlsPeer(b)
		if p.dataDir = tmpfsDir(b); p.dataDir == "" {
			b.Skip("no /dev/shm")
		}
		benchNotifications(b, p)
	})
	b.Run("node", func(b *testing.B) { benchNotifications(b, nodePeer(b)) })
}

func benchNotifications(b *testing.B, p peer) {
	c := spawn(b, p)
	c.initialize(false)
	c.runTask("Tools: warm up")
	c.w.notes.Store(0)
	for b.Loop() {
		c.runTask("Tools: make many calls")
	}
	b.StopTimer()
	n := c.w.notes.Load()
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "notes/s")
	b.ReportMetric(float64(n)/float64(b.N), "notes/task")
	c.end()
}

// BenchmarkMemory: resident memory of a started server: idle after
// initialize, and (agentls) with three background tasks running, each
// waiting on its model call. In MB (10^6 bytes): VmRSS, VmHWM (its peak),
// and VmRSS split into RssAnon (private: heap, stacks) and RssFile (pages
// of the binary and libraries: shared, clean, and varying with what the
// page cache holds).
func BenchmarkMemory(b *testing.B) {
	b.Run("agentls", func(b *testing.B) {
		p := agentlsPeer(b)
		var idle, busy []mem
		for b.Loop() {
			c := spawn(b, p)
			c.initialize(true)
			c.call("background/list", struct{}{}, nil)
			idle = append(idle, c.memory())

			var res rpc.StartResult
			c.call("task/start", rpc.StartParams{Text: "Parent: three helpers"}, &res)
			for range 3 {
				select {
				case <-c.began:
				case <-c.ctx.Done():
					b.Fatal("the background tasks did not start")
				}
			}
			var list rpc.TaskListResult
			c.call("background/list", struct{}{}, &list)
			for _, t := range list.Tasks {
				if t.Status != "running" {
					b.Fatalf("background task %s is %s, want running", t.TaskID, t.Status)
				}
			}
			busy = append(busy, c.memory())
			b.StopTimer()
			c.end()
			b.StartTimer()
		}
		reportMem(b, idle, "idle")
		reportMem(b, busy, "bg3")
	})
	b.Run("node", func(b *testing.B) {
		p := nodePeer(b)
		var idle []mem
		for b.Loop() {
			c := spawn(b, p)
			c.initialize(true)
			c.call("background/list", struct{}{}, nil)
			idle = append(idle, c.memory())
			b.StopTimer()
			c.end()
			b.StartTimer()
		}
		reportMem(b, idle, "idle")
	})
}

// reportMem reports the median of each figure.
func reportMem(b *testing.B, ms []mem, when string) {
	for _, f := range []struct {
		name string
		get  func(mem) int64
	}{
		{"rss", func(m mem) int64 { return m.rss }},
		{"hwm", func(m mem) int64 { return m.hwm }},
		{"anon", func(m mem) int64 { return m.anon }},
		{"file", func(m mem) int64 { return m.file }},
	} {
		v := make([]int64, len(ms))
		for i, m := range ms {
			v[i] = f.get(m)
		}
		slices.Sort(v)
		if len(v) > 0 {
			b.ReportMetric(float64(v[(len(v)-1)/2])/1e6, "MB-"+when+"-"+f.name)
		}
	}
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

func micros(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

func reportMedian(b *testing.B, lat []time.Duration, unit string) {
	slices.Sort(lat)
	b.ReportMetric(float64(percentile(lat, 50).Nanoseconds())/1e6, unit)
}
