package rpc_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/rpc"
	"github.com/agentls/agentls/rpc/rpctest"
	"github.com/agentls/agentls/store"
)

const resumeScript = `{"conversations":[{"match":"^Resumable","turns":[
 {"toolCalls":[{"name":"list_files","arguments":{"path":"."}}]},
 {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"first result"}}]},
 {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"second result"}}]},
 {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"third result"}}]}]}]}`

func TestTasksSurviveARestartAndResume(t *testing.T) {
	first := newHarness(t, harnessOptions{script: resumeScript})
	first.initialize(nil)
	id := first.Start("Resumable work")
	first.WaitState(id, store.StatusCompleted)
	want := first.Get(id).Messages
	require.Equal(t, 0, first.shutdown())

	second := newHarness(t, harnessOptions{root: first.root, data: first.data})
	second.initialize(nil)
	var list rpc.TaskListResult
	second.Call("task/list", nil, &list)
	require.Len(t, list.Tasks, 1)
	assert.Equal(t, id, list.Tasks[0].TaskID)
	assert.Equal(t, store.StatusCompleted, list.Tasks[0].Status)
	assert.Equal(t, "first result", list.Tasks[0].Result)
	got := second.Get(id)
	assert.Equal(t, rpctest.Kinds(want), rpctest.Kinds(got.Messages))

	// Resume asks the model again: the script goes on after the answers
	// already in the history.
	second.Call("task/resume", map[string]any{"taskId": id}, nil)
	st := second.WaitState(id, store.StatusCompleted)
	assert.Equal(t, "second result", st.Task.Result)

	// And a reply continues it once more.
	before := len(second.c.Events())
	second.Call("task/reply", map[string]any{"taskId": id, "text": "again"}, nil)
	_, _, err := second.c.WaitFor(second.ctx, before, func(ev rpcIn) bool { return rpctest.IsState(ev.Params, id, store.StatusCompleted) })
	require.NoError(t, err)
	assert.Equal(t, "third result", second.Get(id).Task.Result)

	err2 := second.CallErr("task/resume", map[string]any{"taskId": "00000000-0000-0000-0000-000000000000"})
	assert.EqualValues(t, -32602, err2.Code)
}

func TestResumeAfterAnEmptyAnswerGoesOnWithTheNextTurn(t *testing.T) {
	script := `{"conversations":[{"match":"","turns":[
	 {},
	 {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"first"}}]},
	 {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"second"}}]}]}]}`
	first := newHarness(t, harnessOptions{script: script})
	first.initialize(nil)
	id := first.Start("answer nothing at first")
	first.WaitState(id, store.StatusCompleted)
	require.Equal(t, 0, first.shutdown())

	second := newHarness(t, harnessOptions{root: first.root, data: first.data})
	second.initialize(nil)
	second.Call("task/resume", map[string]any{"taskId": id}, nil)
	st := second.WaitState(id, store.StatusCompleted)
	assert.Equal(t, "second", st.Task.Result, "two answers are in the history, the empty one included")
}
