package e2e

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"sync"
	"testing"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/rpc"
	"github.com/agentls/agentls/rpc/rpcclient"
	"github.com/agentls/agentls/store"
)

// editor is a client connected to a spawned agentls, as an editor would
// be: it answers approvals (approve by default) and records every event.
type editor struct {
	t   *testing.T
	p   *proc
	ws  *workspace
	c   *rpcclient.Client
	ctx context.Context

	// release ends answers that a test made wait forever; closed in
	// Cleanup so that the client can close.
	release chan struct{}

	mu      sync.Mutex
	approve func(message string) any // answer to window/showMessageRequest
	onEvent func(rpcclient.Event)    // runs on the client's read loop
}

type editorOptions struct {
	// keepStdin leaves the server's stdin open when the client's
	// connection ends, so that a test can close stdout alone.
	keepStdin bool
}

// connect spawns agentls in ws and connects an editor to it.
func connect(t *testing.T, ws *workspace) *editor {
	return connectWith(t, ws, editorOptions{})
}

func connectWith(t *testing.T, ws *workspace, o editorOptions) *editor {
	t.Helper()
	p := spawn(t, ws)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	e := &editor{t: t, p: p, ws: ws, ctx: ctx, release: make(chan struct{})}
	e.approve = func(string) any { return rpc.MessageActionItem{Title: rpc.ActionApprove} }
	var stdin io.WriteCloser = p.stdin
	if o.keepStdin {
		stdin = nopCloser{p.stdin}
	}
	e.c = rpcclient.New(p.stdout, stdin, rpcclient.Options{
		OnRequest: e.answer,
		OnEvent: func(ev rpcclient.Event) {
			e.mu.Lock()
			f := e.onEvent
			e.mu.Unlock()
			if f != nil {
				f(ev)
			}
		},
	})
	t.Cleanup(func() {
		close(e.release)
		_ = e.c.Close()
		cancel()
	})
	return e
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func (e *editor) answer(_ context.Context, method string, params json.RawMessage) (any, error) {
	if method != "window/showMessageRequest" {
		return nil, nil
	}
	var p rpc.ShowMessageParams
	_ = json.Unmarshal(params, &p)
	e.mu.Lock()
	approve := e.approve
	e.mu.Unlock()
	return approve(p.Message), nil
}

func (e *editor) setApprove(f func(string) any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.approve = f
}

func (e *editor) setOnEvent(f func(rpcclient.Event)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.onEvent = f
}

// initialize sends initialize with the script provider on script.json, the
// workspace's data directory, and the given extra options.
func (e *editor) initialize(extra map[string]any) rpc.InitializeResult {
	e.t.Helper()
	opts := map[string]any{
		"model":   map[string]any{"provider": "script", "script": "script.json"},
		"dataDir": e.ws.data,
	}
	for k, v := range extra {
		opts[k] = v
	}
	params := map[string]any{
		"processId":             os.Getpid(),
		"rootUri":               "file://" + e.ws.root,
		"capabilities":          map[string]any{},
		"initializationOptions": opts,
	}
	var res rpc.InitializeResult
	e.call("initialize", params, &res)
	require.NoError(e.t, e.c.Notify(e.ctx, "initialized", map[string]any{}))
	return res
}

func (e *editor) call(method string, params, result any) {
	e.t.Helper()
	require.NoError(e.t, e.c.Call(e.ctx, method, params, result), method)
}

// callErr makes a call that must fail and returns its error.
func (e *editor) callErr(method string, params any) *jsonrpc2.Error {
	e.t.Helper()
	err := e.c.Call(e.ctx, method, params, nil)
	require.Error(e.t, err, method)
	var we *jsonrpc2.Error
	require.ErrorAs(e.t, err, &we)
	return we
}

func (e *editor) start(text string) string {
	e.t.Helper()
	var res rpc.StartResult
	e.call("task/start", map[string]any{"text": text}, &res)
	require.NotEmpty(e.t, res.TaskID)
	return res.TaskID
}

func (e *editor) get(taskID string) rpc.GetResult {
	e.t.Helper()
	var res rpc.GetResult
	e.call("task/get", map[string]any{"taskId": taskID}, &res)
	return res
}

func (e *editor) list() []store.TaskInfo {
	e.t.Helper()
	var res rpc.TaskListResult
	e.call("task/list", map[string]any{}, &res)
	return res.Tasks
}

// waitState waits for a task/state of the task with the status.
func (e *editor) waitState(taskID string, status store.Status) rpc.TaskStateParams {
	e.t.Helper()
	var st rpc.TaskStateParams
	_, _, err := e.c.WaitFor(e.ctx, 0, func(ev rpcclient.Event) bool {
		var p rpc.TaskStateParams
		if ev.Method != "task/state" || json.Unmarshal(ev.Params, &p) != nil {
			return false
		}
		if p.Task.TaskID == taskID && p.Task.Status == status {
			st = p
			return true
		}
		return false
	})
	require.NoError(e.t, err, "waiting for task %s to be %s; events: %s", taskID, status, e.dump())
	return st
}

// waitFinal waits for the task's final status.
func (e *editor) waitFinal(taskID string) store.TaskInfo {
	e.t.Helper()
	return e.waitFinalAfter(taskID, 0)
}

// mark returns the index of the next event, for waiting on events that
// come after it only.
func (e *editor) mark() int { return len(e.c.Events()) }

// waitFinalAfter waits for a final status reported at event index from
// or later.
func (e *editor) waitFinalAfter(taskID string, from int) store.TaskInfo {
	e.t.Helper()
	var info store.TaskInfo
	_, _, err := e.c.WaitFor(e.ctx, from, func(ev rpcclient.Event) bool {
		var p rpc.TaskStateParams
		if ev.Method != "task/state" || json.Unmarshal(ev.Params, &p) != nil {
			return false
		}
		info = p.Task
		return p.Task.TaskID == taskID && p.Task.Status.Final()
	})
	require.NoError(e.t, err, "waiting for task %s to end; events: %s", taskID, e.dump())
	return info
}

// waitMessage waits for a task/message of the task that satisfies match.
func (e *editor) waitMessage(taskID string, match func(store.Message) bool) store.Message {
	e.t.Helper()
	var m store.Message
	_, _, err := e.c.WaitFor(e.ctx, 0, func(ev rpcclient.Event) bool {
		var p rpc.TaskMessageParams
		if ev.Method != "task/message" || json.Unmarshal(ev.Params, &p) != nil {
			return false
		}
		m = p.Message
		return p.TaskID == taskID && match(p.Message)
	})
	require.NoError(e.t, err, "waiting for a message of task %s; events: %s", taskID, e.dump())
	return m
}

// waitRequest waits for a server request of the method.
func (e *editor) waitRequest(method string) json.RawMessage {
	e.t.Helper()
	ev, _, err := e.c.WaitFor(e.ctx, 0, func(ev rpcclient.Event) bool {
		return ev.Request && ev.Method == method
	})
	require.NoError(e.t, err, "waiting for the request %s; events: %s", method, e.dump())
	return ev.Params
}

// announced returns the completed messages the server announced for a
// task, collapsed to the last version of each id, in first-seen order: what
// an editor shows, and what the history must keep.
func (e *editor) announced(taskID string) []store.Message {
	e.t.Helper()
	var out []store.Message
	index := map[string]int{}
	for _, ev := range e.c.Events() {
		var p rpc.TaskMessageParams
		if ev.Method != "task/message" {
			continue
		}
		require.NoError(e.t, json.Unmarshal(ev.Params, &p))
		if p.TaskID != taskID || p.Message.Partial {
			continue
		}
		if i, ok := index[p.Message.ID]; ok {
			out[i] = p.Message
			continue
		}
		index[p.Message.ID] = len(out)
		out = append(out, p.Message)
	}
	return out
}

// states returns the statuses the task/state notifications reported for a
// task, in order.
func (e *editor) states(taskID string) []store.Status {
	var out []store.Status
	for _, ev := range e.c.Events() {
		var p rpc.TaskStateParams
		if ev.Method == "task/state" && json.Unmarshal(ev.Params, &p) == nil && p.Task.TaskID == taskID {
			out = append(out, p.Task.Status)
		}
	}
	return out
}

func (e *editor) dump() string {
	b, _ := json.Marshal(e.c.Events())
	if len(b) > 8000 {
		b = b[len(b)-8000:]
	}
	return string(b)
}

// shutdown ends the session the LSP way and returns the exit code.
func (e *editor) shutdown() int {
	e.t.Helper()
	e.call("shutdown", nil, nil)
	require.NoError(e.t, e.c.Notify(e.ctx, "exit", nil))
	return e.p.exitCode()
}

// kinds lists the kinds of messages, for compact assertions.
func kinds(msgs []store.Message) []string {
	out := []string{}
	for _, m := range msgs {
		out = append(out, m.Kind)
	}
	return out
}

// findTask returns the task with the id from a list.
func findTask(tasks []store.TaskInfo, id string) (store.TaskInfo, bool) {
	for _, info := range tasks {
		if info.TaskID == id {
			return info, true
		}
	}
	return store.TaskInfo{}, false
}
