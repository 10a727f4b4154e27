package rpc_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/rpc/rpctest"
	"github.com/agentls/agentls/store"
)

const modesScript = `{"conversations":[
 {"match":"^Architect","turns":[
  {"toolCalls":[
   {"name":"write_to_file","arguments":{"path":"main.go","content":"package main\n"}},
   {"name":"write_to_file","arguments":{"path":"docs/plan.md","content":"# Plan\n"}},
   {"name":"execute_command","arguments":{"command":"touch ran.txt"}}]},
  {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"planned"}}]}]},
 {"match":"^Orchestrate","turns":[
  {"toolCalls":[{"name":"read_file","arguments":{"path":"a.txt"}}]},
  {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"delegated"}}]}]}]}`

func TestModesLimitTheTools(t *testing.T) {
	h := newHarness(t, harnessOptions{script: modesScript, files: map[string]string{"a.txt": "a\n"}})
	h.initialize(map[string]any{"autoApprove": []string{"read", "edit", "command"}})

	var res struct {
		TaskID string `json:"taskId"`
	}
	h.Call("task/start", map[string]any{"text": "Architect: plan it", "mode": "architect"}, &res)
	st := h.WaitState(res.TaskID, store.StatusCompleted)
	assert.Equal(t, "architect", st.Task.Mode)
	assert.NoFileExists(t, filepath.Join(h.root, "main.go"), "architect mode edits Markdown only")
	assert.NoFileExists(t, filepath.Join(h.root, "ran.txt"), "architect mode runs no commands")
	plan, err := os.ReadFile(filepath.Join(h.root, "docs", "plan.md"))
	require.NoError(t, err)
	assert.Equal(t, "# Plan\n", string(plan))
	var statuses []string
	for _, m := range h.Messages(res.TaskID) {
		if m.Kind == store.KindTool {
			statuses = append(statuses, m.Name+":"+m.Status)
		}
	}
	assert.Equal(t, []string{"write_to_file:error", "write_to_file:done", "execute_command:error"}, statuses)
	refused, ok := rpctest.Find(h.Messages(res.TaskID), store.KindTool, "execute_command")
	require.True(t, ok)
	assert.Contains(t, refused.Output, "architect")

	h.Call("task/start", map[string]any{"text": "Orchestrate: delegate", "mode": "orchestrator"}, &res)
	h.WaitState(res.TaskID, store.StatusCompleted)
	read, ok := rpctest.Find(h.Messages(res.TaskID), store.KindTool, "read_file")
	require.True(t, ok)
	assert.Equal(t, store.ToolError, read.Status, "orchestrator mode has no read group")
	assert.Contains(t, read.Output, "new_task", "the error names the tools it may use")
}

func TestTimesAreRFC3339UTCWithMilliseconds(t *testing.T) {
	h := newHarness(t, harnessOptions{script: completeScript})
	h.initialize(nil)
	id := h.Start("anything")
	raw := h.WaitEvent("task/state", func(p json.RawMessage) bool { return rpctest.IsState(p, id, store.StatusCompleted) })
	var st struct {
		Task map[string]any `json:"task"`
	}
	require.NoError(t, json.Unmarshal(raw, &st))
	for _, field := range []string{"createdAt", "updatedAt"} {
		assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, st.Task[field], field)
	}
	for _, ev := range h.c.Events() {
		if ev.Method != "task/message" {
			continue
		}
		var p struct {
			Message map[string]any `json:"message"`
		}
		require.NoError(t, json.Unmarshal(ev.Params, &p))
		assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, p.Message["ts"])
	}
}

func TestNewTaskWithAnUnknownModeIsAnErrorResultWithoutAPause(t *testing.T) {
	h := newHarness(t, harnessOptions{script: `{"conversations":[{"match":"^Delegate","turns":[
  {"toolCalls":[{"name":"new_task","arguments":{"mode":"poet","message":"Write a poem"}}]},
  {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"no poem"}}]}]}]}`})
	h.initialize(nil)
	id := h.Start("Delegate: a poem")
	h.WaitState(id, store.StatusCompleted)

	call, ok := rpctest.Find(h.Messages(id), store.KindTool, "new_task")
	require.True(t, ok)
	assert.Equal(t, store.ToolError, call.Status)
	assert.Contains(t, call.Output, "poet", "the error names the mode")
	assert.Equal(t, []store.Status{store.StatusRunning, store.StatusCompleted}, h.States(id),
		"the parent never paused for a child that could not start")
}
