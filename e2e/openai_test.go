package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/model/fakeopenai"
	"github.com/agentls/agentls/rpc"
	"github.com/agentls/agentls/rpc/rpctest"
	"github.com/agentls/agentls/store"
)

// TestWholeTaskAgainstAnOpenAICompatibleServer runs a task that starts a
// background subtask, waits for it and completes, with the real binary
// talking to a fake OpenAI-compatible server over HTTP.
func TestWholeTaskAgainstAnOpenAICompatibleServer(t *testing.T) {
	srv := fakeopenai.New(func(req fakeopenai.Request) fakeopenai.Reply {
		if strings.HasPrefix(req.FirstUser(), "Scout") {
			if req.Answers() == 0 {
				return fakeopenai.Reply{Calls: []fakeopenai.Call{{Name: "read_file", Args: `{"path":"notes.txt"}`}}}
			}
			return fakeopenai.Reply{Calls: []fakeopenai.Call{{Name: "attempt_completion", Args: `{"result":"notes mention llamas"}`}}}
		}
		switch req.Answers() {
		case 0:
			return fakeopenai.Reply{Text: "Sending a scout.", Calls: []fakeopenai.Call{
				{Name: "new_task", Args: `{"mode":"ask","message":"Scout: read notes.txt","background":true}`}}}
		case 1:
			return fakeopenai.Reply{Calls: []fakeopenai.Call{{Name: "wait_for_background", Args: `{}`}}}
		}
		return fakeopenai.Reply{Calls: []fakeopenai.Call{{Name: "attempt_completion", Args: `{"result":"the scout is back"}`}}}
	})
	defer srv.Close()

	ws := newWorkspace(t, map[string]string{"notes.txt": "llamas\n"})
	e := connect(t, ws)
	e.initialize(map[string]any{"model": map[string]any{"provider": "openai", "name": "fake", "baseURL": srv.URL + "/v1"}})
	id := e.Start("Find out what the notes say")
	info := e.WaitFinal(id)
	require.Equal(t, store.StatusCompleted, info.Status, e.Dump())
	assert.Equal(t, "the scout is back", info.Result)
	require.NotNil(t, info.Usage)
	assert.EqualValues(t, 300, info.Usage.InputTokens)

	var bg rpc.TaskListResult
	e.Call("background/list", nil, &bg)
	require.Len(t, bg.Tasks, 1)
	assert.Equal(t, store.StatusCompleted, bg.Tasks[0].Status)
	assert.Equal(t, "notes mention llamas", bg.Tasks[0].Result)

	text, ok := rpctest.Find(e.Messages(id), store.KindText, "")
	require.True(t, ok)
	assert.Equal(t, "Sending a scout.", text.Text)
	assert.Len(t, srv.Requests(), 5)
	assert.Equal(t, 0, e.shutdown())
}
