package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentls/agentls/rpc"
)

// Helpers of the wire benchmarks: the servers under test run as child
// processes spoken to over their stdin and stdout, exactly as an editor
// does, by one Go client for all of them.

// waitLimit bounds every wait, so that a broken server fails the benchmark
// instead of hanging it.
const waitLimit = time.Minute

// toolCalls is how many tool calls the notification workload makes: each
// gives two notifications (pending and done).
const toolCalls = 1000

// peer is a server under test: how to start it.
type peer struct {
	name string
	argv []string
	// dataDir is where agentls keeps its history ("" for a b.TempDir()).
	dataDir string
}

// agentlsPeer is the agentls binary: AGENTLS_BIN when set (bench/run.sh
// builds it once), else built here into a temporary directory.
func agentlsPeer(b *testing.B) peer {
	if bin := os.Getenv("AGENTLS_BIN"); bin != "" {
		return peer{name: "agentls", argv: []string{bin, "--stdio"}}
	}
	dir := b.TempDir()
	built := filepath.Join(dir, "agentls.built")
	cmd := exec.Command("go", "build", "-o", built, "github.com/agentls/agentls")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("building agentls: %v\n%s", err, out)
	}
	// Measure an installed copy, not the linker's output: a process
	// started from the file exactly as the linker wrote it (through a
	// memory map) gets nearly all of its text and read-only data mapped
	// at once, about 14 MB more RSS than from a copy (bench/README.md).
	bin := filepath.Join(dir, "agentls")
	data, err := os.ReadFile(built)
	if err == nil {
		err = os.WriteFile(bin, data, 0o755)
	}
	if err != nil {
		b.Fatal(err)
	}
	return peer{name: "agentls", argv: []string{bin, "--stdio"}}
}

// nodePeer is bench/node/server.js; it skips the benchmark when node or
// the peer's dependencies are missing.
func nodePeer(b *testing.B) peer {
	node, err := exec.LookPath("node")
	if err != nil {
		b.Skip("node is not installed")
	}
	dir, err := filepath.Abs("node")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "vscode-jsonrpc")); err != nil {
		b.Skip("the Node peer is not installed: run npm ci in bench/node")
	}
	return peer{name: "node", argv: []string{node, filepath.Join(dir, "server.js")}}
}

// tmpfsDir is a directory on /dev/shm for history without fsync cost, or
// "" where there is none.
func tmpfsDir(b *testing.B) string {
	if runtime.GOOS != "linux" {
		return ""
	}
	dir, err := os.MkdirTemp("/dev/shm", "agentls-bench-")
	if err != nil {
		return ""
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// script drives the agentls side of the workloads; the Node peer reads
// the same file.
func script() string {
	calls := make([]string, toolCalls)
	for i := range calls {
		calls[i] = fmt.Sprintf(`{"name":"update_todo_list","arguments":{"todos":"- [x] step %d"}}`, i+1)
	}
	var bg []string
	for i := 1; i <= 3; i++ {
		bg = append(bg, fmt.Sprintf(`{"name":"new_task","arguments":{"mode":"ask","message":"BG %d: wait","background":true}}`, i))
	}
	return `{"conversations":[
 {"match":"^Tools","turns":[{"toolCalls":[` + strings.Join(calls, ",") + `]},
  {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"done"}}]}]},
 {"match":"^Parent","turns":[{"toolCalls":[` + strings.Join(bg, ",") + `]},
  {"toolCalls":[{"name":"wait_for_background","arguments":{}}]},
  {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"done"}}]}]},
 {"match":"^BG","turns":[{"delayMs":600000,"toolCalls":[{"name":"attempt_completion","arguments":{"result":"late"}}]}]}]}`
}

// conn is one running server and the client connected to it.
type conn struct {
	b     testing.TB
	cmd   *exec.Cmd
	w     *wire
	root  string
	data  string
	ctx   context.Context
	final chan rpc.TaskInfo // final task/state of foreground tasks
	began chan struct{}     // one per $/progress begin
	start time.Time         // when the process was started
}

// spawn starts p with a fresh workspace; the process is killed at cleanup
// if it is still running.
func spawn(b testing.TB, p peer) *conn {
	b.Helper()
	root := b.TempDir()
	must(b, os.WriteFile(filepath.Join(root, "script.json"), []byte(script()), 0o644))
	must(b, os.WriteFile(filepath.Join(root, "a.txt"), []byte("alpha\n"), 0o644))
	data := p.dataDir
	if data == "" {
		data = b.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	b.Cleanup(cancel)
	c := &conn{b: b, root: root, data: data, ctx: ctx, final: make(chan rpc.TaskInfo, 64), began: make(chan struct{}, 64)}
	c.cmd = exec.Command(p.argv[0], p.argv[1:]...)
	c.cmd.Dir = root
	c.cmd.Env = append(os.Environ(), "AGENTLS_LOG_LEVEL=error")
	c.cmd.Stderr = os.Stderr
	stdin, err := c.cmd.StdinPipe()
	must(b, err)
	stdout, err := c.cmd.StdoutPipe()
	must(b, err)
	c.start = time.Now()
	must(b, c.cmd.Start())
	b.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			_ = c.cmd.Process.Kill()
			_ = c.cmd.Wait()
		}
	})
	c.w = newWire(stdout, stdin, c.note)
	return c
}

// note passes on final task states and progress starts; every other
// notification is only counted, by the wire.
func (c *conn) note(method string, params json.RawMessage) {
	switch method {
	case "task/state":
		var p rpc.TaskStateParams
		if json.Unmarshal(params, &p) == nil && p.Task.Status.Final() {
			c.final <- p.Task
		}
	case "$/progress":
		var p rpc.ProgressParams
		if json.Unmarshal(params, &p) == nil && p.Value.Kind == "begin" {
			c.began <- struct{}{}
		}
	}
}

func (c *conn) initialize(progress bool) {
	c.b.Helper()
	params := map[string]any{
		"processId":    os.Getpid(),
		"rootUri":      (&url.URL{Scheme: "file", Path: c.root}).String(),
		"capabilities": map[string]any{"window": map[string]any{"workDoneProgress": progress}},
		"initializationOptions": map[string]any{
			"model":   map[string]any{"provider": "script", "script": "script.json"},
			"dataDir": c.data,
		},
	}
	c.call("initialize", params, nil)
	must(c.b, c.w.notify("initialized", struct{}{}))
}

func (c *conn) call(method string, params, result any) {
	c.b.Helper()
	if err := c.w.call(c.ctx, method, params, result); err != nil {
		c.b.Fatalf("%s: %v", method, err)
	}
}

// runTask starts a task and waits for its final state.
func (c *conn) runTask(text string) {
	c.b.Helper()
	var res rpc.StartResult
	c.call("task/start", rpc.StartParams{Text: text}, &res)
	select {
	case info := <-c.final:
		if info.TaskID != res.TaskID || info.Status != "completed" {
			c.b.Fatalf("task %s ended %s: %s", info.TaskID, info.Status, info.Error)
		}
	case <-c.ctx.Done():
		c.b.Fatalf("task %q did not finish", text)
	}
}

// end closes stdin, as an editor that goes away does, and waits for the
// process to exit.
func (c *conn) end() {
	c.b.Helper()
	_ = c.w.close()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(waitLimit):
		_ = c.cmd.Process.Kill()
		<-done
		c.b.Fatal("the server did not exit after stdin closed")
	}
	<-c.w.done
}

// mem is a process's memory, in bytes, from /proc/<pid>/status.
type mem struct {
	rss  int64 // VmRSS: resident now
	hwm  int64 // VmHWM: the peak of VmRSS
	anon int64 // RssAnon: private memory (heap, stacks)
	file int64 // RssFile: pages of the binary and libraries, shared and clean
}

// memory reads the process's memory.
func (c *conn) memory() mem {
	c.b.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		c.b.Skipf("no /proc here: %v", err)
	}
	defer f.Close()
	var m mem
	fields := map[string]*int64{"VmRSS": &m.rss, "VmHWM": &m.hwm, "RssAnon": &m.anon, "RssFile": &m.file}
	s := bufio.NewScanner(f)
	for s.Scan() {
		name, value, ok := strings.Cut(s.Text(), ":")
		if dst := fields[name]; ok && dst != nil {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
			if err == nil {
				*dst = kb << 10
			}
		}
	}
	return m
}

func must(b testing.TB, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}
