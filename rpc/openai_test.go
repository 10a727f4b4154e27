package rpc_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/model/fakeopenai"
	"github.com/agentls/agentls/rpc/rpctest"
	"github.com/agentls/agentls/store"
)

// fanOutModel is a model that starts a background task, waits for it, and
// completes with what it found.
func fanOutModel(req fakeopenai.Request) fakeopenai.Reply {
	first := req.FirstUser()
	switch {
	case strings.HasPrefix(first, "Parent"):
		switch req.Answers() {
		case 0:
			return fakeopenai.Reply{Text: "Starting a helper.", Calls: []fakeopenai.Call{
				{Name: "new_task", Args: `{"mode":"ask","message":"Helper: read a.txt","background":true}`}}}
		case 1:
			return fakeopenai.Reply{Calls: []fakeopenai.Call{{Name: "wait_for_background", Args: `{}`}}}
		default:
			// The helper's outcome arrives either as wait_for_background's
			// result or, when the helper finished first, as a message of
			// its own before that call: report whichever holds it.
			found := req.Messages[len(req.Messages)-1].Text()
			for _, m := range req.Messages[1:] {
				if strings.Contains(m.Text(), "a.txt holds") {
					found = m.Text()
				}
			}
			return fakeopenai.Reply{Calls: []fakeopenai.Call{{Name: "attempt_completion", Args: `{"result":"helper said: ` + jsonSafe(found) + `"}`}}}
		}
	case strings.HasPrefix(first, "Helper"):
		if req.Answers() == 0 {
			return fakeopenai.Reply{Calls: []fakeopenai.Call{{Name: "read_file", Args: `{"path":"a.txt"}`}}}
		}
		return fakeopenai.Reply{Calls: []fakeopenai.Call{{Name: "attempt_completion", Args: `{"result":"a.txt holds alpha"}`}}}
	case strings.HasPrefix(first, "Broken"):
		return fakeopenai.Reply{Status: 401, Error: "Incorrect API key provided"}
	}
	return fakeopenai.Reply{Status: 400, Error: "unexpected conversation"}
}

func jsonSafe(s string) string {
	r := strings.NewReplacer(`"`, `'`, "\n", " ", `\`, "/")
	return r.Replace(s)
}

func TestATaskWithABackgroundSubtaskAgainstAnOpenAICompatibleServer(t *testing.T) {
	srv := fakeopenai.New(fanOutModel)
	defer srv.Close()
	h := newHarness(t, harnessOptions{files: map[string]string{"a.txt": "alpha\n"}})
	h.initialize(map[string]any{"model": map[string]any{"provider": "openai", "name": "test-model", "baseURL": srv.URL + "/v1"}})

	id := h.Start("Parent: what is in a.txt?")
	st := h.WaitState(id, store.StatusCompleted)
	assert.Contains(t, st.Task.Result, "a.txt holds alpha")
	require.NotNil(t, st.Task.Usage)
	assert.EqualValues(t, 300, st.Task.Usage.InputTokens, "three turns of 100 input tokens")
	assert.EqualValues(t, 60, st.Task.Usage.OutputTokens)

	text, ok := rpctest.Find(h.Messages(id), store.KindText, "")
	require.True(t, ok)
	assert.Equal(t, "Starting a helper.", text.Text)

	bg := backgroundList(h)
	require.Len(t, bg, 1)
	assert.Equal(t, store.StatusCompleted, bg[0].Status)
	require.NotNil(t, bg[0].Usage, "background tasks count their own usage")
	assert.EqualValues(t, 200, bg[0].Usage.InputTokens)

	reqs := srv.Requests()
	require.Len(t, reqs, 5)
	for _, r := range reqs {
		assert.Equal(t, "test-model", r.Model)
		assert.True(t, r.Stream)
		require.NotEmpty(t, r.Messages)
		assert.Equal(t, "system", r.Messages[0].Role, "a system prompt leads")
		var names []string
		for _, tl := range r.Tools {
			names = append(names, tl.Function.Name)
		}
		if strings.HasPrefix(r.FirstUser(), "Helper") {
			assert.NotContains(t, names, "write_to_file", "background tasks are offered read-only tools")
			assert.Contains(t, names, "read_file")
		} else {
			assert.Contains(t, names, "wait_for_background")
		}
	}
	assertSilent(t, h)
}

func TestAProviderErrorReachesTheEditor(t *testing.T) {
	srv := fakeopenai.New(fanOutModel)
	defer srv.Close()
	h := newHarness(t, harnessOptions{})
	h.initialize(map[string]any{"model": map[string]any{"provider": "openai", "name": "m", "baseURL": srv.URL + "/v1"}})
	id := h.Start("Broken key")
	st := h.WaitState(id, store.StatusFailed)
	assert.Contains(t, st.Task.Error, "401")
	assert.Contains(t, st.Task.Error, "Incorrect API key provided")
	msg, ok := rpctest.Find(h.Messages(id), store.KindError, "")
	require.True(t, ok)
	assert.Contains(t, msg.Text, "openai")
}
