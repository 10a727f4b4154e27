package rpctest

import (
	"encoding/json"

	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/rpc"
	"github.com/agentls/agentls/rpc/rpcclient"
	"github.com/agentls/agentls/store"
)

// WaitState waits for a task/state of the task with the status.
func (e *Editor) WaitState(taskID string, status store.Status) rpc.TaskStateParams {
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
	require.NoError(e.t, err, "waiting for task %s to be %s; events: %s", taskID, status, e.Dump())
	return st
}

// WaitEvent waits for an event of the method matching pred (nil matches
// any) and returns its params.
func (e *Editor) WaitEvent(method string, pred func(json.RawMessage) bool) json.RawMessage {
	e.t.Helper()
	ev, _, err := e.c.WaitFor(e.ctx, 0, func(ev rpcclient.Event) bool {
		return ev.Method == method && (pred == nil || pred(ev.Params))
	})
	require.NoError(e.t, err, "waiting for %s; events: %s", method, e.Dump())
	return ev.Params
}

// WaitFinal waits for the task's final status.
func (e *Editor) WaitFinal(taskID string) store.TaskInfo {
	e.t.Helper()
	return e.WaitFinalAfter(taskID, 0)
}

// Mark returns the index of the next event, for waiting on events that
// come after it only.
func (e *Editor) Mark() int { return len(e.c.Events()) }

// WaitFinalAfter waits for a final status reported at event index from
// or later.
func (e *Editor) WaitFinalAfter(taskID string, from int) store.TaskInfo {
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
	require.NoError(e.t, err, "waiting for task %s to end; events: %s", taskID, e.Dump())
	return info
}

// WaitMessage waits for a task/message of the task that satisfies match.
func (e *Editor) WaitMessage(taskID string, match func(store.Message) bool) store.Message {
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
	require.NoError(e.t, err, "waiting for a message of task %s; events: %s", taskID, e.Dump())
	return m
}

// WaitRequest waits for a server request of the method.
func (e *Editor) WaitRequest(method string) json.RawMessage {
	e.t.Helper()
	ev, _, err := e.c.WaitFor(e.ctx, 0, func(ev rpcclient.Event) bool {
		return ev.Request && ev.Method == method
	})
	require.NoError(e.t, err, "waiting for the request %s; events: %s", method, e.Dump())
	return ev.Params
}
