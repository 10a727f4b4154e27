package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/rpc"
	"github.com/agentls/agentls/rpc/rpctest"
	"github.com/agentls/agentls/store"
)

const againScript = `{"conversations":[{"match":"^Again","turns":[
 {"text":"First pass.","toolCalls":[{"name":"attempt_completion","arguments":{"result":"first result"}}]},
 {"text":"Second pass.","toolCalls":[{"name":"attempt_completion","arguments":{"result":"second result"}}]}]}]}`

// TestCompletedTaskContinuesInANewProcess: a task completed in one process
// is listed by the next one on the same data directory, and task/reply
// continues it there from where it stopped.
func TestCompletedTaskContinuesInANewProcess(t *testing.T) {
	ws := newWorkspace(t, map[string]string{"script.json": againScript})
	first := connect(t, ws)
	first.initialize(nil)
	id := first.Start("Again: do it")
	done := first.WaitFinal(id)
	require.Equal(t, store.StatusCompleted, done.Status)
	announced := first.Messages(id)
	assert.Equal(t, 0, first.shutdown())

	second := connect(t, ws)
	second.initialize(nil)
	info, ok := rpctest.FindTask(second.List(), id)
	require.True(t, ok)
	assert.Equal(t, store.StatusCompleted, info.Status)
	assert.Equal(t, "first result", info.Result)
	assert.Empty(t, info.Error, "a task that ended before its process did is not interrupted")
	assertKept(t, announced, second.Get(id).Messages)

	second.Call("task/reply", map[string]any{"taskId": id, "text": "Once more, please"}, nil)
	running := second.WaitState(id, store.StatusRunning)
	assert.Equal(t, []string{id}, running.Stack)
	again := second.WaitFinal(id)
	require.Equal(t, store.StatusCompleted, again.Status)
	assert.Equal(t, "second result", again.Result)
	got := second.Get(id)
	assert.Equal(t, []string{"user", "text", "completion", "user", "text", "completion"}, rpctest.Kinds(got.Messages))
	assert.Equal(t, "Once more, please", got.Messages[3].Text)
	assert.Empty(t, turnProblem(got.Messages))
	assertKept(t, announced, got.Messages)
	assert.Equal(t, 0, second.shutdown())
}

const twoProcessScript = `{"conversations":[
 {"match":"^Slow","turns":[
  {"delayMs":600000,"toolCalls":[{"name":"attempt_completion","arguments":{"result":"never"}}]},
  {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"continued in the first window"}}]}]},
 {"match":"^Quick","turns":[{"toolCalls":[{"name":"attempt_completion","arguments":{"result":"quick done"}}]}]}]}`

// In the second window, the slow task answers at once.
const takeoverScript = `{"conversations":[
 {"match":"^Slow","turns":[{"toolCalls":[{"name":"attempt_completion","arguments":{"result":"finished in the second window"}}]}]},
 {"match":"^Quick","turns":[{"toolCalls":[{"name":"attempt_completion","arguments":{"result":"quick done"}}]}]}]}`

// TestTwoProcessesShareADataDirectory: two editor windows on one workspace
// see each other's tasks; a task running in one cannot be resumed in the
// other (a clear -32803 naming the task and the process holding it), and
// can be once it has stopped there.
func TestTwoProcessesShareADataDirectory(t *testing.T) {
	ws := newWorkspace(t, map[string]string{"script.json": twoProcessScript, "takeover.json": takeoverScript})
	a := connect(t, ws)
	a.initialize(nil)
	slow := a.Start("Slow: think hard")
	a.WaitState(slow, store.StatusRunning)

	b := connect(t, ws)
	b.initialize(map[string]any{"model": map[string]any{"provider": "script", "script": "takeover.json"}})
	info, ok := rpctest.FindTask(b.List(), slow)
	require.True(t, ok, "the second process lists the first one's task")
	assert.Equal(t, store.StatusRunning, info.Status, "a task alive in another process is not reported interrupted")
	assert.Equal(t, "Slow: think hard", b.Get(slow).Task.Title)

	err := b.CallErr("task/resume", map[string]any{"taskId": slow})
	assert.Equal(t, int64(rpc.CodeRequestFailed), err.Code)
	assert.Contains(t, err.Message, slow)
	assert.Contains(t, err.Message, "open in another agentls process")
	assert.Contains(t, err.Message, strconv.Itoa(a.p.pid))
	// The refused resume left nothing behind in the second process.
	bl, ok := rpctest.FindTask(b.List(), slow)
	require.True(t, ok)
	assert.Equal(t, store.StatusRunning, bl.Status)

	// Each side's new tasks are visible to the other.
	quick := b.Start("Quick: answer")
	require.Equal(t, store.StatusCompleted, b.WaitFinal(quick).Status)
	seen, ok := rpctest.FindTask(a.List(), quick)
	require.True(t, ok, "the first process lists the second one's task")
	assert.Equal(t, store.StatusCompleted, seen.Status)
	assert.Equal(t, "quick done", seen.Result)

	// Once the first window stops its task, the second may take it over.
	a.Call("task/cancel", map[string]any{"taskId": slow}, nil)
	require.Equal(t, store.StatusCancelled, a.WaitFinal(slow).Status)
	b.Call("task/resume", map[string]any{"taskId": slow}, nil)
	took := b.WaitFinal(slow)
	require.Equal(t, store.StatusCompleted, took.Status, "events: %s", b.Dump())
	assert.Equal(t, "finished in the second window", took.Result)

	// The first window must not show a stale copy of a task that another
	// process has continued since, nor continue from one.
	var bugs []string
	if fresh, ok := rpctest.FindTask(a.List(), slow); !ok || fresh.Status != store.StatusCompleted {
		bugs = append(bugs, fmt.Sprintf("task/list in the first process reports %q for a task the second process has completed since", fresh.Status))
	}
	if got := a.Get(slow); got.Task.Status != store.StatusCompleted || len(got.Messages) == 0 || got.Messages[len(got.Messages)-1].Kind != store.KindCompletion {
		bugs = append(bugs, fmt.Sprintf("task/get in the first process returns its stale in-memory copy (%s, %d messages) of a task the second process has continued", got.Task.Status, len(got.Messages)))
	}
	takeover := b.Messages(slow)
	from := a.Mark()
	a.Call("task/reply", map[string]any{"taskId": slow, "text": "One more thing"}, nil)
	require.True(t, a.WaitFinalAfter(slow, from).Status.Final())
	assert.Equal(t, 0, a.shutdown())
	assert.Equal(t, 0, b.shutdown())

	third := connect(t, ws)
	third.initialize(nil)
	stored := third.Get(slow).Messages
	assertKept(t, takeover, stored)
	if problem := turnProblem(stored); problem != "" {
		bugs = append(bugs, "after the first process continued the task from its stale copy, the stored conversation is inconsistent: "+problem)
	}
	assert.Equal(t, 0, third.shutdown())
	if len(bugs) > 0 {
		t.Error(strings.Join(bugs, "; "))
	}
}

// turnProblem checks that each model answer in a conversation has its own
// turn number, after every earlier one: the model-facing history is
// rebuilt by turn, so two answers with one number become one.
func turnProblem(msgs []store.Message) string {
	last, userSince := 0, false
	for _, m := range msgs {
		if m.Kind == store.KindUser && m.CallID == "" {
			userSince = true
			continue
		}
		if m.Turn == 0 {
			continue
		}
		if m.Turn < last || (m.Turn == last && userSince) {
			return fmt.Sprintf("message %s (%s) has turn %d after an answer with turn %d and new user input", m.ID, m.Kind, m.Turn, last)
		}
		last, userSince = m.Turn, false
	}
	return ""
}

const backgroundScript = `{"conversations":[
 {"match":"^Parent","turns":[
  {"toolCalls":[{"name":"new_task","arguments":{"mode":"ask","message":"Survey: read the notes","background":true}}]},
  {"toolCalls":[{"name":"wait_for_background","arguments":{}}]},
  {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"parent done"}}]}]},
 {"match":"^Survey","turns":[
  {"toolCalls":[{"name":"read_file","arguments":{"path":"notes.txt"}}]},
  {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"the notes say hello"}}]}]}]}`

// TestBackgroundTasksAreNotInTheHistory: background tasks never appear in
// task/list, in their own process or the next one; their outcome lives in
// the parent's conversation.
func TestBackgroundTasksAreNotInTheHistory(t *testing.T) {
	ws := newWorkspace(t, map[string]string{"script.json": backgroundScript, "notes.txt": "hello\n"})
	first := connect(t, ws)
	first.initialize(nil)
	parent := first.Start("Parent: survey in the background")
	require.Equal(t, store.StatusCompleted, first.WaitFinal(parent).Status)

	var bg rpc.TaskListResult
	first.Call("background/list", map[string]any{}, &bg)
	require.Len(t, bg.Tasks, 1)
	child := bg.Tasks[0]
	assert.Equal(t, store.StatusCompleted, child.Status)
	assert.Equal(t, parent, child.ParentID)

	listed := first.List()
	require.Len(t, listed, 1)
	assert.Equal(t, parent, listed[0].TaskID)
	// The outcome reaches the parent once: as a background message when it
	// arrives before the parent's next turn, else as wait_for_background's
	// result.
	wait := first.Get(parent).Messages
	var outcomes []string
	for _, m := range wait {
		switch {
		case m.Kind == store.KindBackground:
			assert.Equal(t, child.TaskID, m.TaskID)
			outcomes = append(outcomes, m.Result)
		case m.Name == "wait_for_background" && strings.Contains(m.Output, "the notes say hello"):
			outcomes = append(outcomes, m.Output)
		}
	}
	require.Len(t, outcomes, 1, "the outcome reached the parent once: %s", jsonOf(t, wait))
	assert.Contains(t, outcomes[0], "the notes say hello")
	assert.Equal(t, 0, first.shutdown())

	second := connect(t, ws)
	second.initialize(nil)
	listed = second.List()
	require.Len(t, listed, 1, "only the parent is in the history")
	assert.Equal(t, parent, listed[0].TaskID)
	assertKept(t, wait, second.Get(parent).Messages)
	err := second.CallErr("task/get", map[string]any{"taskId": child.TaskID})
	assert.Equal(t, int64(jsonrpc2.CodeInvalidParams), err.Code, "a past session's background task is not stored")
	assert.Contains(t, err.Message, child.TaskID)
	assert.Equal(t, 0, second.shutdown())
}
