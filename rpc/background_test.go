package rpc_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/rpc"
	"github.com/agentls/agentls/rpc/rpcclient"
	"github.com/agentls/agentls/rpc/rpctest"
	"github.com/agentls/agentls/store"
)

// bgScript builds a script whose parent starts n background tasks in one
// turn, then runs the given turns; each background task follows bgTurns.
func bgScript(n int, parentTurns, bgTurns string) string {
	var calls []string
	for i := 1; i <= n; i++ {
		calls = append(calls, fmt.Sprintf(`{"name":"new_task","arguments":{"mode":"code","message":"BG %d: look around","background":true}}`, i))
	}
	return fmt.Sprintf(`{"conversations":[
 {"match":"^Parent","turns":[{"toolCalls":[%s]}%s]},
 {"match":"^BG","turns":[%s]}]}`, strings.Join(calls, ","), parentTurns, bgTurns)
}

const (
	waitTurns     = `,{"toolCalls":[{"name":"wait_for_background","arguments":{}}]},{"toolCalls":[{"name":"attempt_completion","arguments":{"result":"all in"}}]}`
	completeTurns = `,{"toolCalls":[{"name":"attempt_completion","arguments":{"result":"parent done"}}]}`
	slowTurns     = `,{"delayMs":600000,"toolCalls":[{"name":"attempt_completion","arguments":{"result":"never"}}]}`
	bgQuick       = `{"toolCalls":[{"name":"read_file","arguments":{"path":"a.txt"}}]},{"toolCalls":[{"name":"attempt_completion","arguments":{"result":"found a\nsecond line"}}]}`
	bgForever     = `{"delayMs":600000,"toolCalls":[{"name":"attempt_completion","arguments":{"result":"never"}}]}`
)

func showMessages(h *harness) []rpc.ShowMessageParams {
	var out []rpc.ShowMessageParams
	for _, ev := range h.c.Events() {
		if ev.Method == "window/showMessage" {
			var p rpc.ShowMessageParams
			require.NoError(h.t, json.Unmarshal(ev.Params, &p))
			out = append(out, p)
		}
	}
	return out
}

func backgroundList(h *harness) []store.TaskInfo {
	var res rpc.TaskListResult
	h.Call("background/list", map[string]any{}, &res)
	return res.Tasks
}

// assertSilent checks that no task/message or task/state is about a
// background task.
func assertSilent(t *testing.T, h *harness) {
	bg := map[string]bool{}
	for _, info := range backgroundList(h) {
		bg[info.TaskID] = true
	}
	require.NotEmpty(t, bg)
	for _, ev := range h.c.Events() {
		switch ev.Method {
		case "task/message":
			var p rpc.TaskMessageParams
			require.NoError(t, json.Unmarshal(ev.Params, &p))
			assert.False(t, bg[p.TaskID], "task/message of a background task: %s", ev.Params)
		case "task/state":
			var p rpc.TaskStateParams
			require.NoError(t, json.Unmarshal(ev.Params, &p))
			assert.False(t, bg[p.Task.TaskID], "task/state of a background task: %s", ev.Params)
			for _, id := range p.Stack {
				assert.False(t, bg[id])
			}
		}
	}
}

func TestBackgroundFanOutAndWait(t *testing.T) {
	h := newHarness(t, harnessOptions{script: bgScript(3, waitTurns, bgQuick), files: map[string]string{"a.txt": "alpha\n"}})
	h.initialize(nil)
	parent := h.Start("Parent: fan out")
	done := h.WaitState(parent, store.StatusCompleted)
	assert.Equal(t, "all in", done.Task.Result)

	// Each outcome reached the parent exactly once: as a background
	// message before a model turn, or in wait_for_background's result.
	wait, ok := rpctest.Find(h.Messages(parent), store.KindTool, "wait_for_background")
	require.True(t, ok)
	assert.Equal(t, store.ToolDone, wait.Status)
	for _, info := range backgroundList(h) {
		assert.Equal(t, 1, outcomesSeen(h, parent, info.TaskID), "outcome of %s", info.TaskID)
	}
	// The new_task results named each task.
	var started int
	for _, m := range h.Messages(parent) {
		if m.Kind == store.KindTool && m.Name == "new_task" {
			started++
			assert.Contains(t, m.Output, "Started background task")
		}
	}
	assert.Equal(t, 3, started)

	list := backgroundList(h)
	require.Len(t, list, 3)
	for i, info := range list {
		assert.True(t, info.Background)
		assert.Equal(t, parent, info.ParentID)
		assert.Equal(t, store.StatusCompleted, info.Status)
		assert.Equal(t, fmt.Sprintf("BG %d: look around", i+1), info.Title, "creation order")
	}
	// Three popups that name the title and start the result.
	var infos int
	for _, m := range showMessages(h) {
		if m.Type == 3 {
			infos++
			assert.Regexp(t, `^Background task "BG \d: look around" completed: found a$`, m.Message)
			assert.NotEmpty(t, m.TaskID, "the outcome names its task")
		}
	}
	assert.Equal(t, 3, infos)

	// Background tasks are not in the history, but task/get knows them.
	var hist rpc.TaskListResult
	h.Call("task/list", nil, &hist)
	require.Len(t, hist.Tasks, 1)
	got := h.Get(list[0].TaskID)
	assert.True(t, got.Task.Background)
	assert.NotEmpty(t, got.Messages)
	assertSilent(t, h)
}

func TestBackgroundOutcomesAreDeliveredToTheParentConversation(t *testing.T) {
	// The parent keeps working (a slow turn) while its background task
	// finishes; the outcome is in its conversation before the next turn.
	parentTurns := `,{"delayMs":0,"toolCalls":[{"name":"read_file","arguments":{"path":"a.txt"}}]}` +
		`,{"toolCalls":[{"name":"ask_followup_question","arguments":{"question":"continue?"}}]}` + completeTurns
	h := newHarness(t, harnessOptions{script: bgScript(1, parentTurns, bgQuick), files: map[string]string{"a.txt": "alpha\n"}})
	h.initialize(nil)
	parent := h.Start("Parent: one")
	h.WaitState(parent, store.StatusWaiting)
	// The outcome arrives while the parent waits for the user at the latest.
	h.WaitEvent("window/showMessage", nil)
	h.WaitEvent("task/message", func(p json.RawMessage) bool {
		var m rpc.TaskMessageParams
		_ = json.Unmarshal(p, &m)
		return m.TaskID == parent && m.Message.Kind == store.KindBackground
	})
	h.Call("task/reply", map[string]any{"taskId": parent, "text": "yes"}, nil)
	h.WaitState(parent, store.StatusCompleted)

	got := h.Get(parent)
	bg, ok := rpctest.Find(got.Messages, store.KindBackground, "")
	require.True(t, ok)
	assert.Equal(t, "completed", bg.Status)
	assert.Equal(t, "BG 1: look around", bg.Title)
	assert.Equal(t, "found a\nsecond line", bg.Result)
	assertSilent(t, h)
}

func TestBackgroundTasksAreReadOnly(t *testing.T) {
	bgTurns := `{"toolCalls":[
	  {"name":"write_to_file","arguments":{"path":"evil.txt","content":"x"}},
	  {"name":"execute_command","arguments":{"command":"touch evil2.txt"}},
	  {"name":"new_task","arguments":{"mode":"code","message":"BG nested"}},
	  {"name":"ask_followup_question","arguments":{"question":"may I?"}}]},
	 {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"could not write"}}]}`
	h := newHarness(t, harnessOptions{script: bgScript(1, waitTurns, bgTurns)})
	h.initialize(map[string]any{"autoApprove": []string{"read", "edit", "command"}})
	parent := h.Start("Parent: try to write")
	h.WaitState(parent, store.StatusCompleted)
	assert.NoFileExists(t, filepath.Join(h.root, "evil.txt"))
	assert.NoFileExists(t, filepath.Join(h.root, "evil2.txt"))

	list := backgroundList(h)
	require.Len(t, list, 1)
	assert.Equal(t, store.StatusCompleted, list[0].Status)
	got := h.Get(list[0].TaskID)
	var refused int
	for _, m := range got.Messages {
		if m.Kind == store.KindTool {
			assert.Equal(t, store.ToolError, m.Status, m.Name)
			assert.Contains(t, m.Output, "background")
			refused++
		}
	}
	assert.Equal(t, 4, refused)
	assertSilent(t, h)
}

func TestBackgroundLimitQueuesTheRest(t *testing.T) {
	h := newHarness(t, harnessOptions{script: bgScript(5, slowTurns, bgForever)})
	h.initialize(map[string]any{"background": map[string]any{"maxConcurrent": 2}})
	parent := h.Start("Parent: five")
	h.WaitEvent("task/message", func(p json.RawMessage) bool {
		var m rpc.TaskMessageParams
		_ = json.Unmarshal(p, &m)
		return m.TaskID == parent && m.Message.Kind == store.KindTool && m.Message.Name == "new_task" &&
			m.Message.Status == store.ToolDone && strings.Contains(m.Message.Output, "BG 5")
	})
	list := backgroundList(h)
	require.Len(t, list, 5)
	statuses := map[store.Status]int{}
	for _, info := range list {
		statuses[info.Status]++
	}
	assert.Equal(t, 2, statuses[store.StatusRunning], "%v", statuses)
	assert.Equal(t, 3, statuses[store.StatusQueued], "%v", statuses)
	assert.Equal(t, store.StatusRunning, list[0].Status, "FIFO: the first ones run")
	assert.Equal(t, store.StatusRunning, list[1].Status)

	// Cancelling the parent cancels running and queued children alike.
	h.Call("task/cancel", map[string]any{"taskId": parent}, nil)
	h.WaitState(parent, store.StatusCancelled)
	for _, info := range list {
		id := info.TaskID
		h.WaitEvent("task/message", func(p json.RawMessage) bool {
			var m rpc.TaskMessageParams
			_ = json.Unmarshal(p, &m)
			return m.TaskID == parent && m.Message.Kind == store.KindBackground && m.Message.TaskID == id
		})
	}
	for _, info := range backgroundList(h) {
		assert.Equal(t, store.StatusCancelled, info.Status)
	}
	for _, m := range showMessages(h) {
		assert.NotContains(t, m.Message, "BG", "a cancellation the user asked for needs no popup")
	}
	assertSilent(t, h)
}

func TestBackgroundTimeoutAndFailureAreReported(t *testing.T) {
	script := `{"conversations":[
 {"match":"^Parent","turns":[{"toolCalls":[
   {"name":"new_task","arguments":{"mode":"ask","message":"Slow: never ends","background":true}},
   {"name":"new_task","arguments":{"mode":"ask","message":"Broken: fails","background":true}}]}` + waitTurns + `]},
 {"match":"^Slow","turns":[` + bgForever + `]},
 {"match":"^Broken","turns":[{"error":"upstream exploded"}]}]}`
	h := newHarness(t, harnessOptions{script: script})
	h.initialize(map[string]any{"background": map[string]any{"timeoutSeconds": 1}})
	parent := h.Start("Parent: two")
	h.WaitState(parent, store.StatusCompleted)

	var warned, failed bool
	for _, m := range showMessages(h) {
		switch m.Type {
		case 2:
			warned = true
			assert.Contains(t, m.Message, `"Slow: never ends"`)
			assert.Contains(t, m.Message, "timed out")
		case 1:
			failed = true
			assert.Contains(t, m.Message, `"Broken: fails"`)
			assert.Contains(t, m.Message, "upstream exploded")
		}
	}
	assert.True(t, warned, "a warning for the timeout")
	assert.True(t, failed, "an error for the failure")
	var texts []string
	for _, m := range h.Messages(parent) {
		texts = append(texts, m.Output, m.Text)
	}
	all := strings.Join(texts, "\n")
	assert.Contains(t, all, "timed_out")
	assert.Contains(t, all, "upstream exploded")

	statuses := map[string]store.Status{}
	for _, info := range backgroundList(h) {
		statuses[info.Title] = info.Status
	}
	assert.Equal(t, store.StatusTimedOut, statuses["Slow: never ends"])
	assert.Equal(t, store.StatusFailed, statuses["Broken: fails"])
}

// waitProgressBegin waits for the begin of a background task's progress.
func waitProgressBegin(t *testing.T, h *harness) rpc.ProgressParams {
	t.Helper()
	begin := h.WaitEvent("$/progress", func(p json.RawMessage) bool {
		var pp rpc.ProgressParams
		_ = json.Unmarshal(p, &pp)
		return pp.Value.Kind == "begin"
	})
	var pp rpc.ProgressParams
	require.NoError(t, json.Unmarshal(begin, &pp))
	return pp
}

func TestBackgroundCancelAndProgress(t *testing.T) {
	h := newHarness(t, harnessOptions{script: bgScript(1, slowTurns, `{"toolCalls":[{"name":"list_files","arguments":{"path":"."}}]},`+bgForever)})
	h.initialize(nil)
	parent := h.Start("Parent: one slow")
	// Progress: begin with the title, a report per tool call.
	pp := waitProgressBegin(t, h)
	assert.Equal(t, "BG 1: look around", pp.Value.Title)
	assert.True(t, strings.HasPrefix(pp.Token, "agentls/background/"), pp.Token)
	assert.True(t, pp.Value.Cancellable)
	h.WaitEvent("$/progress", func(p json.RawMessage) bool {
		var r rpc.ProgressParams
		_ = json.Unmarshal(p, &r)
		return r.Token == pp.Token && r.Value.Kind == "report" && strings.Contains(r.Value.Message, "list_files")
	})
	// The create request came before the begin.
	var created bool
	for _, ev := range h.c.Events() {
		if ev.Method == "window/workDoneProgress/create" {
			created = true
		}
	}
	assert.True(t, created)

	list := backgroundList(h)
	require.Len(t, list, 1)
	var cmd rpc.TaskListResult
	h.Call("workspace/executeCommand", map[string]any{"command": "agentls.listBackground", "arguments": []any{map[string]any{}}}, &cmd)
	require.Len(t, cmd.Tasks, 1)
	assert.Equal(t, list[0].TaskID, cmd.Tasks[0].TaskID)

	h.Call("background/cancel", map[string]any{"taskId": list[0].TaskID}, nil)
	h.WaitEvent("$/progress", func(p json.RawMessage) bool {
		var r rpc.ProgressParams
		_ = json.Unmarshal(p, &r)
		return r.Token == pp.Token && r.Value.Kind == "end" && strings.Contains(r.Value.Message, "cancelled")
	})
	assert.Equal(t, store.StatusCancelled, backgroundList(h)[0].Status)
	// The parent is still running; cancel it to finish.
	h.Call("task/cancel", map[string]any{"taskId": parent}, nil)
	h.WaitState(parent, store.StatusCancelled)
	err := h.CallErr("background/cancel", map[string]any{"taskId": parent})
	assert.EqualValues(t, -32602, err.Code)
}

func TestProgressCancelFromTheEditorCancelsTheTask(t *testing.T) {
	h := newHarness(t, harnessOptions{script: bgScript(1, slowTurns, bgForever)})
	h.initialize(nil)
	parent := h.Start("Parent: one slow")
	pp := waitProgressBegin(t, h)
	require.NoError(t, h.c.Notify(h.ctx, "window/workDoneProgress/cancel", map[string]any{"token": pp.Token}))
	h.WaitEvent("$/progress", func(p json.RawMessage) bool {
		var r rpc.ProgressParams
		_ = json.Unmarshal(p, &r)
		return r.Token == pp.Token && r.Value.Kind == "end"
	})
	assert.Equal(t, store.StatusCancelled, backgroundList(h)[0].Status)
	h.Call("task/cancel", map[string]any{"taskId": parent}, nil)
	h.WaitState(parent, store.StatusCancelled)
}

// outcomesSeen counts how often a background task's outcome reached the
// parent's conversation: as a message, or in a wait_for_background result.
func outcomesSeen(h *harness, parent, bgID string) int {
	n := 0
	for _, m := range h.Messages(parent) {
		switch {
		case m.Kind == store.KindBackground && m.TaskID == bgID:
			n++
		case m.Kind == store.KindTool && m.Name == "wait_for_background":
			n += strings.Count(m.Output, "("+bgID+") ")
		}
	}
	return n
}

var _ = rpcclient.Event{}

func TestWaitForBackgroundCollectsOutcomesThatArriveWhileWaiting(t *testing.T) {
	// The background tasks answer after a delay, long after the parent's
	// next turn has called wait_for_background.
	slowBG := `{"delayMs":1500,"toolCalls":[{"name":"attempt_completion","arguments":{"result":"slow result"}}]}`
	h := newHarness(t, harnessOptions{script: bgScript(2, waitTurns, slowBG)})
	h.initialize(nil)
	parent := h.Start("Parent: fan in")
	h.WaitState(parent, store.StatusCompleted)
	wait, ok := rpctest.Find(h.Messages(parent), store.KindTool, "wait_for_background")
	require.True(t, ok)
	assert.Equal(t, 2, strings.Count(wait.Output, "completed]\nslow result"), wait.Output)
	for _, m := range h.Messages(parent) {
		assert.NotEqual(t, store.KindBackground, m.Kind, "returned by the wait, so not delivered again")
	}
}
