package e2e

import (
	"encoding/json"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/internal/proctest"
	"github.com/agentls/agentls/rpc"
	"github.com/agentls/agentls/rpc/rpctest"
	"github.com/agentls/agentls/store"
)

const hangScript = `{"conversations":[
 {"match":"^Hang","turns":[{"text":"Thinking forever.","delayMs":600000,"toolCalls":[{"name":"attempt_completion","arguments":{"result":"never"}}]}]},
 {"match":"^Quick","turns":[{"toolCalls":[{"name":"attempt_completion","arguments":{"result":"quick done"}}]}]}]}`

// TestHangingModelIsCancelled: a model that never answers does not hold
// the session: task/cancel ends the task, and the next one runs.
func TestHangingModelIsCancelled(t *testing.T) {
	ws := newWorkspace(t, map[string]string{"script.json": hangScript})
	e := connect(t, ws)
	e.initialize(nil)
	id := e.Start("Hang: wait for the model")
	e.WaitState(id, store.StatusRunning)
	e.Call("task/cancel", map[string]any{"taskId": id}, nil)
	st := e.WaitState(id, store.StatusCancelled)
	assert.Empty(t, st.Stack)
	assert.Equal(t, []string{"user"}, rpctest.Kinds(e.Get(id).Messages), "no half answer was recorded")

	quick := e.Start("Quick: then this")
	assert.Equal(t, store.StatusCompleted, e.WaitFinal(quick).Status)
	assert.Equal(t, 0, e.shutdown())
}

const providerErrorScript = `{"conversations":[
 {"match":"^Garbage","turns":[
  {"toolCalls":[{"name":"no_such_tool","arguments":{"x":1}},{"name":"read_file","arguments":{"path":42}}]},
  {"error":"upstream returned 503 Service Unavailable"}]}]}`

// TestModelFaultsReachTheEditor: tool calls the server cannot run come
// back to the model as error results, and a provider error fails the task
// with an error message the editor sees.
func TestModelFaultsReachTheEditor(t *testing.T) {
	ws := newWorkspace(t, map[string]string{"script.json": providerErrorScript})
	e := connect(t, ws)
	e.initialize(nil)
	id := e.Start("Garbage: call nonsense")
	info := e.WaitFinal(id)
	require.Equal(t, store.StatusFailed, info.Status)
	assert.Contains(t, info.Error, "upstream returned 503 Service Unavailable")

	msgs := e.Messages(id)
	assert.Equal(t, []string{"user", "tool", "tool", "error"}, rpctest.Kinds(msgs))
	for _, m := range msgs {
		if m.Kind == store.KindTool {
			assert.Equal(t, store.ToolError, m.Status, "%s: %s", m.Name, m.Output)
			assert.NotEmpty(t, m.Output)
		}
	}
	assert.Contains(t, msgs[len(msgs)-1].Text, "upstream returned 503 Service Unavailable")
	assert.Equal(t, 0, e.shutdown())
}

const writeScript = `{"conversations":[{"match":"^Write","turns":[
 {"toolCalls":[{"name":"write_to_file","arguments":{"path":"out.txt","content":"written\n"}}]},
 {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"wrote it"}}]}]}]}`

// TestUnansweredApprovalWaitsAndCancelWorks: an editor that never answers
// window/showMessageRequest leaves the task waiting with the tool pending,
// not running it; task/cancel still ends the task, and a late answer does
// no harm.
func TestUnansweredApprovalWaitsAndCancelWorks(t *testing.T) {
	ws := newWorkspace(t, map[string]string{"script.json": writeScript})
	e := connect(t, ws)
	late := make(chan struct{})
	e.setApprove(func(string) any {
		select {
		case <-late:
		case <-e.release:
		}
		return rpc.MessageActionItem{Title: rpc.ActionApprove}
	})
	e.initialize(nil) // autoApprove defaults to read only
	id := e.Start("Write: a file")
	var ask rpc.ShowMessageParams
	require.NoError(t, json.Unmarshal(e.WaitRequest("window/showMessageRequest"), &ask))
	assert.Contains(t, ask.Message, "out.txt")

	got := e.Get(id)
	assert.Equal(t, store.StatusWaiting, got.Task.Status, "the task waits for the user")
	require.NotEmpty(t, got.Messages)
	last := got.Messages[len(got.Messages)-1]
	assert.Equal(t, "write_to_file", last.Name)
	assert.Equal(t, store.ToolPending, last.Status)

	e.Call("task/cancel", map[string]any{"taskId": id}, nil)
	e.WaitState(id, store.StatusCancelled)
	_, err := os.Stat(ws.path("out.txt"))
	assert.ErrorIs(t, err, os.ErrNotExist, "the unapproved tool did not run")
	tool := e.Get(id).Messages
	for _, m := range tool {
		if m.Name == "write_to_file" {
			assert.Equal(t, store.ToolDenied, m.Status, "the cancelled call is closed as denied")
		}
	}

	// The approval arrives after all; the server ignores it and serves on.
	close(late)
	assert.Len(t, e.List(), 1)
	_, err = os.Stat(ws.path("out.txt"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Equal(t, 0, e.shutdown())
}

const commandScript = `{"conversations":[
 {"match":"^Sleep","turns":[
  {"toolCalls":[{"name":"execute_command","arguments":{"command":"echo $$ > pid.fifo; exec sleep 1000"}}]},
  {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"slept"}}]}]},
 {"match":"^Stream","turns":[
  {"toolCalls":[{"name":"execute_command","arguments":{"command":"echo $$ > pid.fifo; echo out"}}]},
  {"text":"Still working on it.","delayMs":600000,"toolCalls":[{"name":"attempt_completion","arguments":{"result":"never"}}]}]}]}`

// startSleeper connects an editor to a new server and starts a task whose
// command sleeps; it returns the task's id and the sleeping process's pid.
func startSleeper(t *testing.T) (*workspace, *editor, string, int) {
	t.Helper()
	ws := newWorkspace(t, map[string]string{"script.json": commandScript})
	readPid := pidFifo(t, ws, "pid.fifo")
	e := connect(t, ws)
	e.initialize(map[string]any{"autoApprove": []string{"read", "command"}})
	id := e.Start("Sleep: run a long command")
	return ws, e, id, readPid()
}

// TestClientDisconnectMidTask: an editor that goes away (stdin closed)
// while a task runs a command ends the session: the process exits within
// its grace, with the command's process killed.
func TestClientDisconnectMidTask(t *testing.T) {
	ws, e, id, sleeper := startSleeper(t)
	require.False(t, proctest.Gone(sleeper))

	require.NoError(t, e.p.stdin.Close())
	assert.Equal(t, 1, e.p.exitCode(), "EOF without shutdown exits 1")
	assert.True(t, proctest.Gone(sleeper), "the command was killed")

	// The task was stopped, not left to look interrupted.
	next := connect(t, ws)
	next.initialize(nil)
	info, ok := rpctest.FindTask(next.List(), id)
	require.True(t, ok)
	assert.Equal(t, store.StatusCancelled, info.Status)
	assert.NotContains(t, info.Error, "interrupted")
	assert.Equal(t, 0, next.shutdown())
}

// TestStdoutClosed: when the editor stops reading (its end of stdout
// closed, stdin still open), the next write fails with EPIPE and the
// server ends the session instead of working for nobody or spinning.
func TestStdoutClosed(t *testing.T) {
	ws := newWorkspace(t, map[string]string{"script.json": commandScript})
	readPid := pidFifo(t, ws, "pid.fifo")
	e := connectWith(t, ws, editorOptions{keepStdin: true})
	e.initialize(map[string]any{"autoApprove": []string{"read", "command"}})
	id := e.Start("Stream: then hang")
	e.WaitMessage(id, func(m store.Message) bool { return m.Name == "execute_command" })

	// The command is blocked on the FIFO; close stdout, then let it go:
	// its result is the next thing the server writes.
	require.NoError(t, e.p.stdout.Close())
	readPid()
	code := e.p.exitCode()
	assert.NotEqual(t, 0, code, "no shutdown was received")
	assert.Contains(t, e.p.log(), "output closed")
}

// TestSignalsCancelTasksAndKillChildren: SIGTERM and SIGINT end the
// session like exit does: tasks are cancelled (and stored so), the running
// command's process group is killed, and the process exits 0 within its
// grace.
func TestSignalsCancelTasksAndKillChildren(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			ws, e, id, sleeper := startSleeper(t)

			assert.Equal(t, 0, e.p.signal(sig))
			assert.True(t, proctest.Gone(sleeper), "the command was killed")
			<-e.c.Disconnected()
			assert.Contains(t, e.States(id), store.StatusCancelled, "the editor was told")

			next := connect(t, ws)
			next.initialize(nil)
			info, ok := rpctest.FindTask(next.List(), id)
			require.True(t, ok)
			assert.Equal(t, store.StatusCancelled, info.Status)
			assert.NotContains(t, info.Error, "interrupted", "a clean stop is not a crash")
			assert.Equal(t, 0, next.shutdown())
		})
	}
}

const choreScript = `{"conversations":[{"match":"^Chore","turns":[
 {"toolCalls":[{"name":"read_file","arguments":{"path":"notes.txt"}}]},
 {"toolCalls":[{"name":"execute_command","arguments":{"command":"echo hi; sleep 0 & wait"}}]},
 {"toolCalls":[{"name":"write_to_file","arguments":{"path":"out.txt","content":"done\n"}}]},
 {"toolCalls":[{"name":"new_task","arguments":{"mode":"ask","message":"Peek: at the notes","background":true}}]},
 {"toolCalls":[{"name":"wait_for_background","arguments":{}}]},
 {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"chore done"}}]}]},
 {"match":"^Peek","turns":[
  {"toolCalls":[{"name":"read_file","arguments":{"path":"notes.txt"}}]},
  {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"peeked"}}]}]}]}`

// TestNoDescriptorGrowth: a long-lived process that runs task after task
// (files, commands, background fan-out, history) holds no more descriptors
// at the end than after the first one.
func TestNoDescriptorGrowth(t *testing.T) {
	ws := newWorkspace(t, map[string]string{"script.json": choreScript, "notes.txt": "hello\n"})
	e := connect(t, ws)
	e.initialize(map[string]any{"autoApprove": []string{"read", "edit", "command"}})
	run := func() {
		t.Helper()
		id := e.Start("Chore: the usual")
		info := e.WaitFinal(id)
		require.Equal(t, store.StatusCompleted, info.Status, "events: %s", e.Dump())
	}
	// A finished task's files are closed just after its final state is
	// announced; idle waits for that, and returns what is left open.
	idle := func() []string {
		t.Helper()
		var open []string
		require.Eventually(t, func() bool {
			open = e.p.fds()
			for _, target := range open {
				if strings.Contains(target, ws.data) {
					return false
				}
			}
			return true
		}, testTimeout, 10*time.Millisecond, "the finished task's files are closed: %v", open)
		return open
	}
	run() // warm up: lazily opened files, runtime threads
	before := idle()
	for range 8 {
		run()
	}
	assert.ElementsMatch(t, before, idle(), "descriptors after 8 more tasks")
	assert.Len(t, e.List(), 9)
	assert.Equal(t, 0, e.shutdown())
}
