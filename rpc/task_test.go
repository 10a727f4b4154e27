package rpc_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/rpc"
	"github.com/agentls/agentls/rpc/rpctest"
	"github.com/agentls/agentls/store"
)

const delegateScript = `{"conversations":[
 {"match":"^Parent","turns":[
  {"text":"Listing the files first.","toolCalls":[{"name":"list_files","arguments":{"path":"."}}]},
  {"toolCalls":[{"name":"new_task","arguments":{"mode":"ask","message":"Child: read notes.txt"}}]},
  {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"parent done"}}]}]},
 {"match":"^Child","turns":[
  {"toolCalls":[{"name":"read_file","arguments":{"path":"notes.txt"}}]},
  {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"the notes say hello"}}]}]}
]}`

func TestParentDelegatesToChildAndCompletesWithItsResult(t *testing.T) {
	h := newHarness(t, harnessOptions{script: delegateScript, files: map[string]string{"notes.txt": "hello\n"}})
	h.initialize(nil)
	parent := h.Start("Parent: summarise the notes")

	paused := h.WaitState(parent, store.StatusPaused)
	assert.Equal(t, []string{parent}, paused.Stack)
	done := h.WaitState(parent, store.StatusCompleted)
	assert.Equal(t, "parent done", done.Task.Result)
	assert.Empty(t, done.Stack, "a finished task has left the stack")

	// The child ran on top of the paused parent and completed first.
	var child string
	for _, ev := range h.c.Events() {
		if ev.Method != "task/state" {
			continue
		}
		var st rpc.TaskStateParams
		require.NoError(t, json.Unmarshal(ev.Params, &st))
		if st.Task.ParentID == parent {
			child = st.Task.TaskID
			if st.Task.Status == store.StatusRunning {
				assert.Equal(t, []string{parent, child}, st.Stack)
			}
		}
	}
	require.NotEmpty(t, child)
	childDone := h.WaitState(child, store.StatusCompleted)
	assert.Equal(t, []string{parent}, childDone.Stack)
	assert.Equal(t, "the notes say hello", childDone.Task.Result)

	// The child's result is the result of the parent's new_task call.
	msgs := h.Messages(parent)
	assert.Equal(t, []string{"user", "text", "tool", "tool", "completion"}, rpctest.Kinds(msgs))
	call, ok := rpctest.Find(msgs, store.KindTool, "new_task")
	require.True(t, ok)
	assert.Equal(t, store.ToolDone, call.Status)
	assert.Equal(t, "the notes say hello", call.Output)

	read, ok := rpctest.Find(h.Messages(child), store.KindTool, "read_file")
	require.True(t, ok)
	assert.Contains(t, read.Output, "hello")

	// task/get returns the same conversation, and task/list the history.
	got := h.Get(parent)
	assert.Equal(t, store.StatusCompleted, got.Task.Status)
	assert.Equal(t, rpctest.Kinds(msgs), rpctest.Kinds(got.Messages))
	var list rpc.TaskListResult
	h.Call("task/list", nil, &list)
	require.Len(t, list.Tasks, 2)
	assert.Equal(t, child, list.Tasks[0].TaskID, "newest first")
	assert.Equal(t, 0, h.shutdown())
}

func TestStreamedTextArrivesInPartialChunksThenFinal(t *testing.T) {
	h := newHarness(t, harnessOptions{script: delegateScript, files: map[string]string{"notes.txt": "hello\n"}})
	h.initialize(nil)
	parent := h.Start("Parent: go")
	h.WaitState(parent, store.StatusCompleted)
	var partial []string
	var final store.Message
	for _, ev := range h.c.Events() {
		var p rpc.TaskMessageParams
		if ev.Method != "task/message" || json.Unmarshal(ev.Params, &p) != nil || p.Message.Kind != store.KindText {
			continue
		}
		if p.Message.Partial {
			partial = append(partial, p.Message.Text)
			continue
		}
		final = p.Message
		break
	}
	require.GreaterOrEqual(t, len(partial), 2)
	assert.Equal(t, "Listing", partial[0])
	assert.Equal(t, "Listing the files first.", final.Text)
	for i := 1; i < len(partial); i++ {
		assert.True(t, strings.HasPrefix(partial[i], partial[i-1]), "each chunk holds the text so far")
	}
	assert.True(t, strings.HasPrefix(final.Text, partial[len(partial)-1]))
}

const writeScript = `{"conversations":[{"match":"","turns":[
 {"toolCalls":[{"name":"write_to_file","arguments":{"path":"out.txt","content":"written\n"}}]},
 {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"finished"}}]}]}]}`

func TestApprovalGrantedRunsTheTool(t *testing.T) {
	h := newHarness(t, harnessOptions{script: writeScript})
	h.initialize(nil)
	asked := make(chan string, 1)
	h.setApprove(func(msg string) any {
		asked <- msg
		return rpc.MessageActionItem{Title: rpc.ActionApprove}
	})
	id := h.Start("write it")
	h.WaitState(id, store.StatusCompleted)
	assert.Contains(t, <-asked, "out.txt")
	data, err := os.ReadFile(filepath.Join(h.root, "out.txt"))
	require.NoError(t, err)
	assert.Equal(t, "written\n", string(data))

	var statuses []string
	for _, ev := range h.c.Events() {
		var p rpc.TaskMessageParams
		if ev.Method == "task/message" && json.Unmarshal(ev.Params, &p) == nil && p.Message.Name == "write_to_file" {
			statuses = append(statuses, p.Message.Status)
		}
	}
	assert.Equal(t, []string{"pending", "approved", "done"}, statuses)
}

// TestAnOpenApprovalIsWaitingForTheUser: while the approval request is
// open the task is "waiting"; task/reply does not answer an approval.
func TestAnOpenApprovalIsWaitingForTheUser(t *testing.T) {
	h := newHarness(t, harnessOptions{script: writeScript})
	h.initialize(nil)
	release := make(chan struct{})
	h.setApprove(func(string) any {
		<-release
		return rpc.MessageActionItem{Title: rpc.ActionApprove}
	})
	id := h.Start("write it")
	h.WaitRequest("window/showMessageRequest")
	h.WaitState(id, store.StatusWaiting)
	err := h.CallErr("task/reply", map[string]any{"taskId": id, "text": "yes"})
	require.NotNil(t, err)
	assert.EqualValues(t, -32803, err.Code)

	close(release)
	h.WaitState(id, store.StatusCompleted)
	assert.Equal(t, []store.Status{store.StatusRunning, store.StatusWaiting, store.StatusRunning, store.StatusCompleted}, h.States(id))
	assert.FileExists(t, filepath.Join(h.root, "out.txt"))
}

func TestApprovalDeniedOrDismissedDoesNotRunTheTool(t *testing.T) {
	answers := map[string]any{
		"deny":    rpc.MessageActionItem{Title: rpc.ActionDeny},
		"dismiss": nil,
	}
	for name, answer := range answers {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{script: writeScript})
			h.initialize(nil)
			h.setApprove(func(string) any { return answer })
			id := h.Start("write it")
			h.WaitState(id, store.StatusCompleted)
			assert.NoFileExists(t, filepath.Join(h.root, "out.txt"))
			call, ok := rpctest.Find(h.Messages(id), store.KindTool, "write_to_file")
			require.True(t, ok)
			assert.Equal(t, store.ToolDenied, call.Status)
			assert.Contains(t, call.Output, "denied")
		})
	}
}

func TestAutoApprovedEditNeedsNoApproval(t *testing.T) {
	h := newHarness(t, harnessOptions{script: writeScript})
	h.initialize(map[string]any{"autoApprove": []string{"read", "edit"}})
	h.setApprove(func(string) any {
		t.Error("approval asked for an auto-approved group")
		return nil
	})
	id := h.Start("write it")
	h.WaitState(id, store.StatusCompleted)
	assert.FileExists(t, filepath.Join(h.root, "out.txt"))
}

const slowChildScript = `{"conversations":[
 {"match":"^Parent","turns":[
  {"toolCalls":[{"name":"new_task","arguments":{"mode":"code","message":"Child: take forever"}}]},
  {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"should not happen"}}]}]},
 {"match":"^Child","turns":[
  {"delayMs":600000,"toolCalls":[{"name":"attempt_completion","arguments":{"result":"late"}}]}]}
]}`

func TestCancellingTheParentCancelsTheRunningChild(t *testing.T) {
	h := newHarness(t, harnessOptions{script: slowChildScript})
	h.initialize(nil)
	parent := h.Start("Parent: delegate")
	h.WaitState(parent, store.StatusPaused)
	raw := h.WaitEvent("task/state", func(p json.RawMessage) bool {
		var st rpc.TaskStateParams
		_ = json.Unmarshal(p, &st)
		return st.Task.ParentID == parent && st.Task.Status == store.StatusRunning
	})
	var childState rpc.TaskStateParams
	require.NoError(t, json.Unmarshal(raw, &childState))
	child := childState.Task.TaskID

	// Busy while the stack is not empty.
	err := h.CallErr("task/start", map[string]any{"text": "another"})
	assert.EqualValues(t, -32803, err.Code)

	h.Call("task/cancel", map[string]any{"taskId": parent}, nil)
	h.WaitState(child, store.StatusCancelled)
	end := h.WaitState(parent, store.StatusCancelled)
	assert.Empty(t, end.Stack)

	// The session is free again.
	var res rpc.StartResult
	h.Call("task/start", map[string]any{"text": "Child: again"}, &res)
	h.Call("task/cancel", map[string]any{"taskId": res.TaskID}, nil)
	h.WaitState(res.TaskID, store.StatusCancelled)
}

func TestAFailingModelTurnFailsTheTask(t *testing.T) {
	h := newHarness(t, harnessOptions{script: `{"conversations":[{"match":"","turns":[{"error":"rate limited by the provider"}]}]}`})
	h.initialize(nil)
	id := h.Start("anything")
	st := h.WaitState(id, store.StatusFailed)
	assert.Contains(t, st.Task.Error, "rate limited by the provider")
	msg, ok := rpctest.Find(h.Messages(id), store.KindError, "")
	require.True(t, ok)
	assert.Contains(t, msg.Text, "rate limited by the provider")
}

func TestATaskThatNeverCallsAToolFailsAfterReminders(t *testing.T) {
	h := newHarness(t, harnessOptions{script: `{"conversations":[{"match":"","turns":[
	 {"text":"I think"},{"text":"I still think"},{"text":"thinking more"},{"text":"never reached"}]}]}`})
	h.initialize(nil)
	id := h.Start("chat with me")
	st := h.WaitState(id, store.StatusFailed)
	assert.Contains(t, st.Task.Error, "without using a tool")
	var reminders int
	for _, m := range h.Messages(id) {
		if m.Kind == store.KindError && m.Reminder {
			reminders++
		}
	}
	assert.Equal(t, 2, reminders)
}

func TestNoMatchingConversationOrExhaustedScriptFails(t *testing.T) {
	h := newHarness(t, harnessOptions{script: `{"conversations":[{"match":"^only this","turns":[
	 {"toolCalls":[{"name":"list_files","arguments":{"path":"."}}]}]}]}`})
	h.initialize(nil)
	id := h.Start("something else")
	st := h.WaitState(id, store.StatusFailed)
	assert.Contains(t, st.Task.Error, "something else")

	id = h.Start("only this")
	st = h.WaitState(id, store.StatusFailed)
	assert.Contains(t, st.Task.Error, "no turn 2")
}

const questionScript = `{"conversations":[{"match":"","turns":[
 {"toolCalls":[{"name":"ask_followup_question","arguments":{"question":"Which colour?","suggestions":["red","blue"]}}]},
 {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"painted"}}]},
 {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"painted again"}}]}]}]}`

func TestReplyAnswersAQuestionAndContinuesACompletedTask(t *testing.T) {
	h := newHarness(t, harnessOptions{script: questionScript})
	h.initialize(nil)
	id := h.Start("paint the shed")
	h.WaitState(id, store.StatusWaiting)
	q, ok := rpctest.Find(h.Messages(id), store.KindQuestion, "")
	require.True(t, ok)
	assert.Equal(t, "Which colour?", q.Text)
	assert.Equal(t, []string{"red", "blue"}, q.Suggestions)

	h.Call("workspace/executeCommand", map[string]any{"command": "agentls.reply", "arguments": []any{map[string]any{"taskId": id, "text": "blue"}}}, nil)
	st := h.WaitState(id, store.StatusCompleted)
	assert.Equal(t, "painted", st.Task.Result)

	// Replying to a completed task continues it.
	before := len(h.c.Events())
	h.Call("task/reply", map[string]any{"taskId": id, "text": "once more"}, nil)
	_, _, err := h.c.WaitFor(h.ctx, before, func(ev rpcIn) bool { return rpctest.IsState(ev.Params, id, store.StatusCompleted) })
	require.NoError(t, err)
	got := h.Get(id)
	assert.Equal(t, "painted again", got.Task.Result)
	assert.Equal(t, []string{"user", "question", "user", "completion", "user", "completion"}, rpctest.Kinds(got.Messages))
}

func TestReplyToARunningTaskIsRefused(t *testing.T) {
	h := newHarness(t, harnessOptions{script: slowChildScript})
	h.initialize(nil)
	id := h.Start("Child: slow")
	err := h.CallErr("task/reply", map[string]any{"taskId": id, "text": "hello?"})
	assert.EqualValues(t, -32803, err.Code)
	err = h.CallErr("task/reply", map[string]any{"taskId": "unknown-id", "text": "hello?"})
	assert.EqualValues(t, jsonrpc2.CodeInvalidParams, err.Code)
	h.Call("task/cancel", map[string]any{"taskId": id}, nil)
	h.WaitState(id, store.StatusCancelled)
}
