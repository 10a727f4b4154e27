// Package rpctest is for tests only: it holds the helpers that drive an
// agentls server as an editor would, shared by the in-process tests of
// package rpc and the end-to-end tests that spawn the real binary. Each
// harness starts its server, answers approvals (through an Approver) and
// cleans up on its own; an Editor only wraps the connected client with
// calls and waits that fail the test on error, and never hang longer than
// its context allows.
package rpctest

import (
	"context"
	"testing"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/rpc"
	"github.com/agentls/agentls/rpc/rpcclient"
	"github.com/agentls/agentls/store"
)

// DefaultDumpBytes is how much of the event log Dump shows when Options
// leaves DumpBytes unset.
const DefaultDumpBytes = 20000

// Options configures an Editor.
type Options struct {
	// DumpBytes caps Dump to the last bytes of the event log, so that a
	// failure message stays readable; 0 means DefaultDumpBytes.
	DumpBytes int
}

// Editor is a test's view of a client connected to an agentls server.
// Its methods fail the test through t when the server does not answer as
// required, and bound every wait by ctx.
type Editor struct {
	t         testing.TB
	c         *rpcclient.Client
	ctx       context.Context
	dumpBytes int
}

// New wraps a connected client. ctx bounds every call and wait, so that a
// broken server fails the test instead of hanging it.
func New(ctx context.Context, t testing.TB, c *rpcclient.Client, o Options) *Editor {
	if o.DumpBytes <= 0 {
		o.DumpBytes = DefaultDumpBytes
	}
	return &Editor{t: t, c: c, ctx: ctx, dumpBytes: o.DumpBytes}
}

// InitOptions returns initializationOptions for the script provider on
// script.json with the data directory, overlaid with extra.
func InitOptions(dataDir string, extra map[string]any) map[string]any {
	opts := map[string]any{
		"model":   map[string]any{"provider": "script", "script": "script.json"},
		"dataDir": dataDir,
	}
	for k, v := range extra {
		opts[k] = v
	}
	return opts
}

// Initialize sends initialize with params, then initialized.
func (e *Editor) Initialize(params any) rpc.InitializeResult {
	e.t.Helper()
	var res rpc.InitializeResult
	e.Call("initialize", params, &res)
	require.NoError(e.t, e.c.Notify(e.ctx, "initialized", map[string]any{}))
	return res
}

// Exit ends the session the LSP way: shutdown, then exit. The harness
// waits for the server to end, as only it knows how.
func (e *Editor) Exit() {
	e.t.Helper()
	e.Call("shutdown", nil, nil)
	require.NoError(e.t, e.c.Notify(e.ctx, "exit", nil))
}

// Call makes a call that must succeed and decodes its result (may be nil).
func (e *Editor) Call(method string, params, result any) {
	e.t.Helper()
	require.NoError(e.t, e.c.Call(e.ctx, method, params, result), method)
}

// CallErr makes a call that must fail and returns its error.
func (e *Editor) CallErr(method string, params any) *jsonrpc2.Error {
	e.t.Helper()
	err := e.c.Call(e.ctx, method, params, nil)
	require.Error(e.t, err, method)
	var we *jsonrpc2.Error
	require.ErrorAs(e.t, err, &we)
	return we
}

// Start starts a task with the text and returns its id.
func (e *Editor) Start(text string) string {
	e.t.Helper()
	var res rpc.StartResult
	e.Call("task/start", map[string]any{"text": text}, &res)
	require.NotEmpty(e.t, res.TaskID)
	return res.TaskID
}

// Get returns task/get of the task.
func (e *Editor) Get(taskID string) rpc.GetResult {
	e.t.Helper()
	var res rpc.GetResult
	e.Call("task/get", map[string]any{"taskId": taskID}, &res)
	return res
}

// List returns the tasks of task/list.
func (e *Editor) List() []store.TaskInfo {
	e.t.Helper()
	var res rpc.TaskListResult
	e.Call("task/list", map[string]any{}, &res)
	return res.Tasks
}
