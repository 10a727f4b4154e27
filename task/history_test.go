package task_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/model"
	"github.com/agentls/agentls/store"
	"github.com/agentls/agentls/task"
)

func TestBuildHistoryKeepsResultsNextToTheirCalls(t *testing.T) {
	msgs := []store.Message{
		{ID: "1", Kind: store.KindUser, Text: "do it"},
		{ID: "2", Kind: store.KindText, Text: "looking", Turn: 1},
		{ID: "3", Kind: store.KindTool, Name: "list_files", Input: map[string]any{"path": "."}, Status: store.ToolDone, Output: "a.txt", Turn: 1, CallID: "c1"},
		// A background outcome that arrived while the answer's tools ran.
		{ID: "4", Kind: store.KindBackground, TaskID: "bg", Title: "scan", Status: "completed", Result: "found"},
		{ID: "5", Kind: store.KindTool, Name: "write_to_file", Input: map[string]any{"path": "x"}, Status: store.ToolDenied, Output: "denied", Turn: 1, CallID: "c2"},
		{ID: "6", Kind: store.KindQuestion, Text: "ok?", Turn: 2, CallID: "c3"},
		{ID: "7", Kind: store.KindUser, Text: "yes", CallID: "c3"},
		{ID: "8", Kind: store.KindError, Text: "use a tool", Reminder: true, Turn: 3},
		{ID: "9", Kind: store.KindCompletion, Result: "done", Turn: 4, CallID: "c4"},
		{ID: "10", Kind: store.KindUser, Text: "more please"},
	}
	h := task.BuildHistory(msgs)
	var roles []model.Role
	for _, m := range h {
		roles = append(roles, m.Role)
	}
	assert.Equal(t, []model.Role{
		model.RoleUser,
		model.RoleAssistant, model.RoleTool, model.RoleTool, model.RoleUser, // background after the results
		model.RoleAssistant, model.RoleTool, // the question and its answer
		model.RoleAssistant, model.RoleUser, // an empty answer, then the reminder
		model.RoleAssistant, model.RoleTool, // completion
		model.RoleUser,
	}, roles)
	assert.Equal(t, "looking", h[1].Text)
	require.Len(t, h[1].ToolCalls, 2)
	assert.JSONEq(t, `{"path":"."}`, string(h[1].ToolCalls[0].Arguments))
	assert.Equal(t, "c2", h[3].ToolCallID)
	assert.True(t, h[3].IsError)
	assert.Contains(t, h[4].Text, "found")
	assert.Equal(t, "yes", h[6].Text)
	assert.Equal(t, 4, task.AnswerCount(msgs))
}

func TestBuildHistoryGivesInterruptedCallsAResult(t *testing.T) {
	msgs := []store.Message{
		{ID: "1", Kind: store.KindUser, Text: "go"},
		{ID: "2", Kind: store.KindTool, Name: "execute_command", Input: json.RawMessage(`{"command":"make"}`), Status: store.ToolPending, Turn: 1, CallID: "c1"},
	}
	h := task.BuildHistory(msgs)
	require.Len(t, h, 3)
	assert.Equal(t, model.RoleTool, h[2].Role)
	assert.True(t, h[2].IsError)
	assert.Contains(t, h[2].Text, "interrupted")
}

func TestCollapseKeepsTheLastVersionAtTheFirstPlace(t *testing.T) {
	msgs := task.Collapse([]store.Message{
		{ID: "a", Kind: store.KindTool, Status: store.ToolPending},
		{ID: "b", Kind: store.KindUser},
		{ID: "a", Kind: store.KindTool, Status: store.ToolDone},
	})
	require.Len(t, msgs, 2)
	assert.Equal(t, store.ToolDone, msgs[0].Status)
}

func TestBuildHistoryAcceptsCallIDsReusedAcrossAnswers(t *testing.T) {
	msgs := []store.Message{
		{ID: "1", Kind: store.KindUser, Text: "go"},
		{ID: "2", Kind: store.KindTool, Name: "list_files", Status: store.ToolDone, Output: "first", Turn: 1, CallID: "call_0"},
		{ID: "3", Kind: store.KindTool, Name: "read_file", Status: store.ToolDone, Output: "second", Turn: 2, CallID: "call_0"},
	}
	h := task.BuildHistory(msgs)
	require.Len(t, h, 5)
	assert.Equal(t, "first", h[2].Text)
	assert.Equal(t, "second", h[4].Text)
}

func TestBuildHistoryCountsAnEmptyAnswerThatEarnedAReminder(t *testing.T) {
	msgs := []store.Message{
		{ID: "1", Kind: store.KindUser, Text: "go"},
		{ID: "2", Kind: store.KindError, Text: "use a tool", Reminder: true, Turn: 1},
	}
	h := task.BuildHistory(msgs)
	require.Len(t, h, 3)
	assert.Equal(t, model.RoleAssistant, h[1].Role)
	assert.Empty(t, h[1].Text)
	assert.Equal(t, model.RoleUser, h[2].Role)
}
