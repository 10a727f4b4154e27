package rpc_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/rpc"
	"github.com/agentls/agentls/rpc/rpcclient"
	"github.com/agentls/agentls/store"
)

// testTimeout bounds every wait of a test, so that a broken server fails
// the test instead of hanging it.
const testTimeout = 30 * time.Second

// harness is an editor talking to an in-process server over pipes.
type harness struct {
	t    *testing.T
	c    *rpcclient.Client
	root string
	data string
	done chan int
	ctx  context.Context

	mu      sync.Mutex
	approve func(message string) any // answer to window/showMessageRequest
}

type harnessOptions struct {
	root     string // reuse a workspace (default: a new one)
	data     string // reuse a data directory (default: a new one)
	files    map[string]string
	script   string
	maxBytes int
}

func newHarness(t *testing.T, o harnessOptions) *harness {
	t.Helper()
	root := o.root
	if root == "" {
		root = t.TempDir()
	}
	data := o.data
	if data == "" {
		data = t.TempDir()
	}
	if o.script != "" {
		o.files = withFile(o.files, "script.json", o.script)
	}
	for name, content := range o.files {
		p := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	h := &harness{t: t, root: root, data: data, done: make(chan int, 1), ctx: ctx}
	h.approve = func(string) any { return rpc.MessageActionItem{Title: rpc.ActionApprove} }

	serverIn, clientOut := io.Pipe()
	clientIn, serverOut := io.Pipe()
	go func() {
		code := rpc.Serve(context.Background(), serverIn, serverOut, rpc.Options{Version: "test", MaxMessageSize: o.maxBytes})
		serverOut.Close()
		serverIn.Close()
		h.done <- code
	}()
	h.c = rpcclient.New(clientIn, clientOut, rpcclient.Options{
		OnRequest: func(_ context.Context, method string, params json.RawMessage) (any, error) {
			if method != "window/showMessageRequest" {
				return nil, nil
			}
			var p rpc.ShowMessageParams
			_ = json.Unmarshal(params, &p)
			h.mu.Lock()
			answer := h.approve
			h.mu.Unlock()
			return answer(p.Message), nil
		},
	})
	t.Cleanup(func() {
		_ = h.c.Close()
		select {
		case <-h.done:
		case <-time.After(testTimeout):
			t.Error("server did not end after the client closed")
		}
	})
	return h
}

func withFile(files map[string]string, name, content string) map[string]string {
	out := map[string]string{name: content}
	for k, v := range files {
		out[k] = v
	}
	return out
}

func (h *harness) setApprove(f func(string) any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.approve = f
}

// initialize sends initialize with the script provider and extra options.
func (h *harness) initialize(extra map[string]any) rpc.InitializeResult {
	h.t.Helper()
	var res rpc.InitializeResult
	require.NoError(h.t, h.c.Call(h.ctx, "initialize", h.initParams(extra), &res))
	require.NoError(h.t, h.c.Notify(h.ctx, "initialized", map[string]any{}))
	return res
}

func (h *harness) initParams(extra map[string]any) map[string]any {
	opts := map[string]any{
		"model":   map[string]any{"provider": "script", "script": "script.json"},
		"dataDir": h.data,
	}
	for k, v := range extra {
		opts[k] = v
	}
	return map[string]any{
		"processId":             nil,
		"rootUri":               "file://" + h.root,
		"capabilities":          map[string]any{"window": map[string]any{"workDoneProgress": true}},
		"initializationOptions": opts,
	}
}

func (h *harness) call(method string, params, result any) {
	h.t.Helper()
	require.NoError(h.t, h.c.Call(h.ctx, method, params, result), method)
}

// callErr makes a call that must fail and returns its error.
func (h *harness) callErr(method string, params any) *jsonrpc2.Error {
	h.t.Helper()
	err := h.c.Call(h.ctx, method, params, nil)
	require.Error(h.t, err, method)
	var we *jsonrpc2.Error
	require.ErrorAs(h.t, err, &we)
	return we
}

func (h *harness) start(text string) string {
	h.t.Helper()
	var res rpc.StartResult
	h.call("task/start", map[string]any{"text": text}, &res)
	require.NotEmpty(h.t, res.TaskID)
	return res.TaskID
}

// waitState waits for a task/state of the task with the status.
func (h *harness) waitState(taskID string, status store.Status) rpc.TaskStateParams {
	h.t.Helper()
	var st rpc.TaskStateParams
	_, _, err := h.c.WaitFor(h.ctx, 0, func(ev rpcclient.Event) bool {
		if ev.Method != "task/state" {
			return false
		}
		var p rpc.TaskStateParams
		_ = json.Unmarshal(ev.Params, &p)
		if p.Task.TaskID == taskID && p.Task.Status == status {
			st = p
			return true
		}
		return false
	})
	require.NoError(h.t, err, "waiting for task %s to be %s; events: %s", taskID, status, h.dump())
	return st
}

// waitEvent waits for an event matching pred.
func (h *harness) waitEvent(method string, pred func(json.RawMessage) bool) json.RawMessage {
	h.t.Helper()
	ev, _, err := h.c.WaitFor(h.ctx, 0, func(ev rpcclient.Event) bool {
		return ev.Method == method && (pred == nil || pred(ev.Params))
	})
	require.NoError(h.t, err, "waiting for %s; events: %s", method, h.dump())
	return ev.Params
}

// messages returns the task/message stream of a task, collapsed to the
// last version of each message id, as a client would show it.
func (h *harness) messages(taskID string) []store.Message {
	var out []store.Message
	index := map[string]int{}
	for _, ev := range h.c.Events() {
		if ev.Method != "task/message" {
			continue
		}
		var p rpc.TaskMessageParams
		require.NoError(h.t, json.Unmarshal(ev.Params, &p))
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

func (h *harness) get(taskID string) rpc.GetResult {
	h.t.Helper()
	var res rpc.GetResult
	h.call("task/get", map[string]any{"taskId": taskID}, &res)
	return res
}

func (h *harness) dump() string {
	b, _ := json.Marshal(h.c.Events())
	if len(b) > 20000 {
		b = b[len(b)-20000:]
	}
	return string(b)
}

// shutdown ends the session the LSP way and returns the exit code.
func (h *harness) shutdown() int {
	h.t.Helper()
	h.call("shutdown", nil, nil)
	require.NoError(h.t, h.c.Notify(h.ctx, "exit", nil))
	select {
	case code := <-h.done:
		h.done <- code // for Cleanup
		return code
	case <-h.ctx.Done():
		h.t.Fatal("server did not exit")
		return -1
	}
}

// kinds lists the kinds of messages, for compact assertions.
func kinds(msgs []store.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Kind)
	}
	return out
}

// find returns the first message of the kind (and tool name, if given).
func find(msgs []store.Message, kind, name string) (store.Message, bool) {
	for _, m := range msgs {
		if m.Kind == kind && (name == "" || m.Name == name) {
			return m, true
		}
	}
	return store.Message{}, false
}

type rpcIn = rpcclient.Event

func isState(params json.RawMessage, taskID string, status store.Status) bool {
	var p rpc.TaskStateParams
	if json.Unmarshal(params, &p) != nil {
		return false
	}
	return p.Task.TaskID == taskID && p.Task.Status == status
}
