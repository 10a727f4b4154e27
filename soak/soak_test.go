// Package soak holds the soak test: one in-process server runs task after
// task, each fanning out background tasks through the script provider,
// while goroutine and heap counts are sampled. An editor keeps the sidecar
// for days, so what one task leaves behind must be nothing.
//
//	go test ./soak/                          250 tasks or 10 s, whichever is more
//	go test -short ./soak/                   250 tasks
//	AGENTLS_SOAK=2m go test -timeout 10m ./soak/
package soak

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/agentls/agentls/rpc"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// script: each parent starts three background tasks, waits for them, and
// completes; each background task streams text and runs two read tools.
const script = `{"conversations":[
 {"match":"^Parent","turns":[
  {"text":"Fanning out to three helpers.","toolCalls":[
   {"name":"new_task","arguments":{"mode":"ask","message":"BG one: list","background":true}},
   {"name":"new_task","arguments":{"mode":"ask","message":"BG two: read","background":true}},
   {"name":"new_task","arguments":{"mode":"ask","message":"BG three: search","background":true}}]},
  {"toolCalls":[{"name":"wait_for_background","arguments":{"timeout_seconds":60}}]},
  {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"all three reported"}}]}]},
 {"match":"^BG","turns":[
  {"text":"Looking around the workspace now.","toolCalls":[{"name":"list_files","arguments":{"path":".","recursive":true}}]},
  {"toolCalls":[{"name":"read_file","arguments":{"path":"a.txt"}}]},
  {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"found it\nsecond line"}}]}]}]}`

// Limits of the soak. Goroutines are compared between tasks, when nothing
// runs; heap is the live heap after a forced GC.
const (
	// warmup fills the caches a session keeps on purpose before the
	// baseline is taken: the runner lists the last 100 finished background
	// tasks, the session keeps 200 more and 50 finished foreground tasks.
	// Each task here makes 3 background tasks.
	warmup         = 150
	minMeasured    = 100     // tasks after the baseline, at the least
	goroutineSlack = 8       // goroutines still on their way out
	heapSlack      = 8 << 20 // live-heap growth allowed over the measured run
	heapPerTask    = 4 << 10 // live-heap growth allowed per task (slope)
)

// duration is how long the soak goes on after its minimum of tasks:
// AGENTLS_SOAK (a Go duration), else 10 s; 0 with -short.
func duration(t *testing.T) time.Duration {
	if v := os.Getenv("AGENTLS_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		require.NoError(t, err, "AGENTLS_SOAK")
		return d
	}
	if testing.Short() {
		return 0
	}
	return 10 * time.Second
}

type sample struct {
	task       int
	goroutines int
	heap       uint64
}

func take(task int) sample {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return sample{task: task, goroutines: runtime.NumGoroutine(), heap: ms.HeapAlloc}
}

func TestSoakRepeatedTasksWithBackgroundFanOut(t *testing.T) {
	d := duration(t)
	if os.Getenv("AGENTLS_SOAK_PROFILE") != "" {
		runtime.MemProfileRate = 1 // every allocation, for an exact profile
	}
	before := take(0)
	ed := newEditor(t)
	ed.initialize()

	var samples []sample
	deadline := time.Now().Add(d)
	n := 0
	for n < warmup+minMeasured || time.Now().Before(deadline) {
		n++
		ed.runTask(fmt.Sprintf("Parent %d: fan out", n))
		if n >= warmup {
			samples = append(samples, take(n))
		}
	}
	writeHeapProfile(t)
	code := ed.end()
	assert.Zero(t, code, "exit after shutdown")
	after := take(n)

	base := samples[0]
	last := samples[len(samples)-1]
	peak := slices.MaxFunc(samples, func(a, b sample) int { return a.goroutines - b.goroutines })
	slope := heapSlope(samples)
	t.Logf("%d tasks (%d background) in %s; %d notifications", n, 3*n, time.Since(deadline.Add(-d)).Round(time.Millisecond), ed.notes.Load())
	t.Logf("goroutines: before %d, baseline %d, peak between tasks %d, last %d, after the session %d",
		before.goroutines, base.goroutines, peak.goroutines, last.goroutines, after.goroutines)
	t.Logf("live heap: baseline %s, last %s, growth %+d B/task (slope)", mib(base.heap), mib(last.heap), int64(slope))

	for i, s := range samples {
		if i%(len(samples)/10+1) == 0 || i == len(samples)-1 {
			t.Logf("  after task %4d: %3d goroutines, live heap %s", s.task, s.goroutines, mib(s.heap))
		}
	}
	for _, s := range samples {
		assert.LessOrEqual(t, s.goroutines, base.goroutines+goroutineSlack, "goroutines after task %d", s.task)
	}
	assert.LessOrEqual(t, after.goroutines, before.goroutines+2, "goroutines left once the session ended")
	assert.Less(t, int64(last.heap)-int64(base.heap), int64(heapSlack), "live heap growth over the run")
	assert.Less(t, slope, float64(heapPerTask), "live heap growth per task")
}

// writeHeapProfile writes the live heap, before the session ends, to the
// file AGENTLS_SOAK_PROFILE names (go tool pprof -sample_index=inuse_space).
func writeHeapProfile(t *testing.T) {
	path := os.Getenv("AGENTLS_SOAK_PROFILE")
	if path == "" {
		return
	}
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	runtime.GC()
	require.NoError(t, pprof.WriteHeapProfile(f))
}

// heapSlope is the least-squares slope of live heap over task number.
func heapSlope(samples []sample) float64 {
	var sx, sy, sxx, sxy float64
	for _, s := range samples {
		x, y := float64(s.task), float64(s.heap)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	k := float64(len(samples))
	den := k*sxx - sx*sx
	if den == 0 {
		return 0
	}
	return (k*sxy - sx*sy) / den
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// editor is a lean client: it keeps no event log (that would be the
// growth measured), only counts notifications and passes on the final
// task/state of each foreground task.
type editor struct {
	t      *testing.T
	ctx    context.Context
	conn   *jsonrpc2.Conn
	root   string
	data   string
	done   chan int
	final  chan rpc.TaskInfo
	notes  atomic.Int64
	closed func()
}

// dataDir is the history directory: on /dev/shm where there is one, since
// the soak is about memory, not the disk's fsync latency.
func dataDir(t *testing.T) string {
	if dir, err := os.MkdirTemp("/dev/shm", "agentls-soak-"); err == nil {
		t.Cleanup(func() { os.RemoveAll(dir) })
		return dir
	}
	return t.TempDir()
}

func newEditor(t *testing.T) *editor {
	root := t.TempDir()
	files := map[string]string{
		"script.json":  script,
		"a.txt":        "alpha\nbeta\n",
		"src/main.go":  "package main\n\nfunc main() {}\n",
		"docs/note.md": "# Note\n",
	}
	for name, content := range files {
		p := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	ctx, cancel := context.WithTimeout(context.Background(), duration(t)+2*time.Minute)
	t.Cleanup(cancel)
	ed := &editor{t: t, ctx: ctx, root: root, data: dataDir(t), done: make(chan int, 1), final: make(chan rpc.TaskInfo, 16)}

	serverIn, clientOut := io.Pipe()
	clientIn, serverOut := io.Pipe()
	go func() {
		code := rpc.Serve(context.Background(), serverIn, serverOut, rpc.Options{Version: "soak"})
		serverOut.Close()
		serverIn.Close()
		ed.done <- code
	}()
	stream := jsonrpc2.NewBufferedStream(pipeRWC{clientIn, clientOut}, jsonrpc2.VSCodeObjectCodec{})
	ed.conn = jsonrpc2.NewConn(context.Background(), stream, jsonrpc2.HandlerWithError(ed.handle))
	ed.closed = func() {
		_ = ed.conn.Close()
		select {
		case <-ed.done:
		case <-time.After(30 * time.Second):
			t.Error("the server did not end after the client closed")
		}
	}
	return ed
}

// handle counts notifications, answers the server's requests (progress
// creation) and passes final states on.
func (ed *editor) handle(_ context.Context, _ *jsonrpc2.Conn, req *jsonrpc2.Request) (any, error) {
	if !req.Notif {
		return nil, nil
	}
	ed.notes.Add(1)
	if req.Method != "task/state" || req.Params == nil {
		return nil, nil
	}
	var p rpc.TaskStateParams
	if err := json.Unmarshal(*req.Params, &p); err != nil {
		return nil, nil
	}
	if p.Task.Status.Final() {
		ed.final <- p.Task
	}
	return nil, nil
}

func (ed *editor) initialize() {
	params := map[string]any{
		"rootUri":      (&url.URL{Scheme: "file", Path: ed.root}).String(),
		"capabilities": map[string]any{"window": map[string]any{"workDoneProgress": true}},
		"initializationOptions": map[string]any{
			"model":   map[string]any{"provider": "script", "script": "script.json"},
			"dataDir": ed.data,
		},
	}
	require.NoError(ed.t, ed.conn.Call(ed.ctx, "initialize", params, nil))
	require.NoError(ed.t, ed.conn.Notify(ed.ctx, "initialized", map[string]any{}))
}

// runTask starts a parent task and waits for it to complete.
func (ed *editor) runTask(text string) {
	ed.t.Helper()
	var res rpc.StartResult
	require.NoError(ed.t, ed.conn.Call(ed.ctx, "task/start", rpc.StartParams{Text: text}, &res))
	select {
	case info := <-ed.final:
		require.Equal(ed.t, res.TaskID, info.TaskID)
		require.Equal(ed.t, "completed", string(info.Status), "task %q: %s", text, info.Error)
	case <-ed.ctx.Done():
		ed.t.Fatalf("task %q did not finish", text)
	}
}

// end shuts the session down the LSP way and returns the exit code.
func (ed *editor) end() int {
	require.NoError(ed.t, ed.conn.Call(ed.ctx, "shutdown", nil, nil))
	require.NoError(ed.t, ed.conn.Notify(ed.ctx, "exit", nil))
	var code int
	select {
	case code = <-ed.done:
	case <-ed.ctx.Done():
		ed.t.Fatal("the server did not exit")
	}
	ed.done <- code
	ed.closed()
	return code
}

type pipeRWC struct {
	r *io.PipeReader
	w *io.PipeWriter
}

func (p pipeRWC) Read(b []byte) (int, error)  { return p.r.Read(b) }
func (p pipeRWC) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p pipeRWC) Close() error {
	werr := p.w.Close()
	rerr := p.r.Close()
	if werr != nil {
		return werr
	}
	return rerr
}
