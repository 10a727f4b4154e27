package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/internal/proctest"
	"github.com/agentls/agentls/rpc/rpcclient"
	"github.com/agentls/agentls/rpc/rpctest"
	"github.com/agentls/agentls/store"
)

// longText is streamed in partial chunks that each carry the text so far;
// whatever the server leaves out, the last chunks before the final message
// are each larger than a pipe holds, so a client that stops reading stops
// the server in the middle of the stream.
var longText = "Streaming " + strings.Repeat("a rather long answer ", 5000) + "ends here."

// crashCase is one point at which a running task's process is killed.
type crashCase struct {
	name string
	// script runs in the first process; resumed, if set, replaces it for
	// the second (a turn that hung in the first process need not hang
	// again: the script position comes from the history, not the file).
	script, resumed string
	files           map[string]string
	// arm prepares the first process before the task starts; the function
	// it returns waits for the kill point and returns the pid of a command
	// the task is running there, or 0.
	arm func(t *testing.T, e *editor, ws *workspace) func(taskID string) int
	// stored checks the interrupted conversation in the second process.
	stored func(t *testing.T, msgs []store.Message)
	result string
}

var crashCases = []crashCase{
	{
		// The client stops reading at the first streamed chunk, so the
		// server blocks writing the stream and is killed in the middle
		// of it. A half answer is never kept: the model's text is stored
		// whole or not at all, and the resumed task asks for what is
		// missing.
		name: "during streaming",
		script: `{"conversations":[{"match":"^Crash","turns":[
 {"text":` + quote(longText) + `,"toolCalls":[{"name":"read_file","arguments":{"path":"notes.txt"}}]},
 {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"read after resume"}}]}]}]}`,
		// Streaming the long answer again is slow under -race.
		resumed: `{"conversations":[{"match":"^Crash","turns":[
 {"text":"A short answer this time.","toolCalls":[{"name":"read_file","arguments":{"path":"notes.txt"}}]},
 {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"read after resume"}}]}]}]}`,
		files: map[string]string{"notes.txt": "hello\n"},
		arm: func(t *testing.T, e *editor, _ *workspace) func(string) int {
			blocked := make(chan struct{})
			var seen bool // only touched on the client's read loop
			e.setOnEvent(func(ev rpcclient.Event) {
				if seen || ev.Method != "task/message" || !strings.Contains(string(ev.Params), `"partial":true`) {
					return
				}
				seen = true
				close(blocked)
				// Read on once the server is dead, to see all it wrote.
				<-e.p.exited
			})
			return func(string) int {
				select {
				case <-blocked:
				case <-e.ctx.Done():
					t.Fatal("no streamed chunk arrived")
				}
				return 0
			}
		},
		stored: func(t *testing.T, msgs []store.Message) {
			require.NotEmpty(t, msgs)
			assert.Equal(t, store.KindUser, msgs[0].Kind)
			for _, m := range msgs[1:] {
				assert.Equal(t, store.KindText, m.Kind)
				assert.False(t, m.Partial)
				assert.Equal(t, longText, m.Text, "only the whole answer is kept")
			}
			assert.LessOrEqual(t, len(msgs), 2)
		},
		result: "read after resume",
	},
	{
		// Killed while execute_command runs a sleep: the tool call has no
		// result; the resumed task gets one saying it was interrupted.
		name: "during a tool call",
		script: `{"conversations":[{"match":"^Crash","turns":[
 {"text":"Running the slow command.","toolCalls":[{"name":"execute_command","arguments":{"command":` + quote(sleepCommand("pid.fifo")) + `}}]},
 {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"done without the command"}}]}]}]}`,
		arm: func(t *testing.T, _ *editor, ws *workspace) func(string) int {
			readPid := pidFifo(t, ws, "pid.fifo")
			return func(string) int { return readPid() }
		},
		stored: func(t *testing.T, msgs []store.Message) {
			require.Equal(t, []string{"user", "text", "tool"}, rpctest.Kinds(msgs))
			assert.Equal(t, "execute_command", msgs[2].Name)
			assert.Empty(t, msgs[2].Output, "the command never finished")
		},
		result: "done without the command",
	},
	{
		// Killed right after a tool result was announced, while the model
		// is thinking about it.
		name: "right after a tool result",
		script: `{"conversations":[{"match":"^Crash","turns":[
 {"text":"Reading the notes.","toolCalls":[{"name":"read_file","arguments":{"path":"notes.txt"}}]},
 {"delayMs":600000,"toolCalls":[{"name":"attempt_completion","arguments":{"result":"never in the first process"}}]}]}]}`,
		resumed: `{"conversations":[{"match":"^Crash","turns":[
 {"text":"Reading the notes.","toolCalls":[{"name":"read_file","arguments":{"path":"notes.txt"}}]},
 {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"the notes say hello"}}]}]}]}`,
		files: map[string]string{"notes.txt": "hello\n"},
		arm: func(t *testing.T, e *editor, _ *workspace) func(string) int {
			return func(taskID string) int {
				e.WaitMessage(taskID, func(m store.Message) bool { return m.Name == "read_file" && m.Status == store.ToolDone })
				return 0
			}
		},
		stored: func(t *testing.T, msgs []store.Message) {
			require.Equal(t, []string{"user", "text", "tool"}, rpctest.Kinds(msgs))
			assert.Equal(t, store.ToolDone, msgs[2].Status)
			assert.Contains(t, msgs[2].Output, "hello")
		},
		result: "the notes say hello",
	},
}

// TestKillDuringTaskThenResume kills the server with SIGKILL at several
// points of a running task, and checks what a new process on the same data
// directory reports: the task is cancelled with an error saying it was
// interrupted, every message the first process announced is kept, and
// task/resume takes the task to completion from where it stopped.
func TestKillDuringTaskThenResume(t *testing.T) {
	for _, tc := range crashCases {
		t.Run(tc.name, func(t *testing.T) {
			ws := newWorkspace(t, tc.files)
			ws.write(t, "script.json", tc.script)

			first := connect(t, ws)
			first.initialize(map[string]any{"autoApprove": []string{"read", "command"}})
			reach := tc.arm(t, first, ws)
			id := first.Start("Crash test: do the work")
			child := reach(id)
			first.p.kill()
			// Once the client sees the end of the pipe, it has read all
			// the server announced before it died.
			<-first.c.Disconnected()
			announced := first.Messages(id)
			require.NotEmpty(t, announced)
			// Bugs found in the server are collected and reported by
			// skipping the test once everything else has been checked.
			var bugs []string
			if child != 0 && survived(t, child) {
				bugs = append(bugs, fmt.Sprintf("the command's process group (pid %d) survived the SIGKILL of agentls as an orphan", child))
			}

			if tc.resumed != "" {
				ws.write(t, "script.json", tc.resumed)
			}
			second := connect(t, ws)
			second.initialize(nil)
			info, ok := rpctest.FindTask(second.List(), id)
			require.True(t, ok, "the interrupted task is listed")
			assert.Equal(t, store.StatusCancelled, info.Status)
			assert.Contains(t, info.Error, "interrupted")

			got := second.Get(id)
			assert.Equal(t, info.Status, got.Task.Status)
			assertKept(t, announced, got.Messages)
			tc.stored(t, got.Messages)

			second.Call("task/resume", map[string]any{"taskId": id}, nil)
			done := second.WaitFinal(id)
			require.Equal(t, store.StatusCompleted, done.Status, "resumed task: %+v; events: %s", done, second.Dump())
			assert.Equal(t, tc.result, done.Result)
			assert.Empty(t, done.Error)
			after := second.Get(id)
			assertKept(t, got.Messages, after.Messages)
			assert.Empty(t, turnProblem(after.Messages))
			assert.Equal(t, store.KindCompletion, after.Messages[len(after.Messages)-1].Kind)
			for _, m := range after.Messages {
				if m.Kind == store.KindTool && (m.Status == store.ToolPending || m.Status == store.ToolApproved) {
					bugs = append(bugs, fmt.Sprintf("tool message %s (%s) of the resumed and completed task still shows status %q: the interrupted call was never closed", m.ID, m.Name, m.Status))
				}
			}
			assert.Equal(t, 0, second.shutdown())
			if len(bugs) > 0 {
				t.Error(strings.Join(bugs, "; "))
			}
		})
	}
}

// assertKept checks that every message of before is in after, unchanged
// and in the same order: no completed message was lost or rewritten.
func assertKept(t *testing.T, before, after []store.Message) {
	t.Helper()
	pos := map[string]int{}
	for i, m := range after {
		pos[m.ID] = i
	}
	last := -1
	for _, m := range before {
		i, ok := pos[m.ID]
		if !assert.True(t, ok, "message %s (%s) is kept", m.ID, m.Kind) {
			continue
		}
		got := after[i]
		if closedOnResume(m, got) {
			// A call the crash left open is closed when the task runs
			// again; everything else about it stays.
			got.Status, got.Output = m.Status, m.Output
		}
		assert.Equal(t, jsonOf(t, m), jsonOf(t, got), "message %s is unchanged", m.ID)
		assert.Greater(t, i, last, "message %s keeps its place", m.ID)
		last = i
	}
}

// closedOnResume reports whether after is the update that closes a tool
// call a crash interrupted.
func closedOnResume(before, after store.Message) bool {
	return before.Kind == store.KindTool &&
		(before.Status == store.ToolPending || before.Status == store.ToolApproved) &&
		after.Status == store.ToolError && strings.Contains(after.Output, "interrupted")
}

func jsonOf(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// survived reports whether the command the task was running outlived the
// SIGKILL of its server, and kills its group if so. execute_command runs
// each command in its own process group, which nothing kills when the
// server dies that way.
func survived(t *testing.T, pid int) bool {
	t.Helper()
	if proctest.WaitGone(pid, 10*time.Second) {
		return false
	}
	t.Logf("the command (pid %d: %s) survived the SIGKILL of agentls", pid, cmdline(pid))
	require.NoError(t, syscall.Kill(-pid, syscall.SIGKILL))
	return true
}
