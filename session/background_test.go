package session_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/model"
	"github.com/agentls/agentls/session"
	"github.com/agentls/agentls/store"
	"github.com/agentls/agentls/tools"
)

// gateClient is a session.Client whose ShowMessage blocks until the
// parent's wait_for_background call has its result, so that an outcome's
// popup is still on its way to the editor while the parent waits.
type gateClient struct {
	mu       sync.Mutex
	waited   chan store.Message // the finished wait_for_background call
	finished chan store.TaskInfo
	once     sync.Once

	seen       sync.Mutex
	background []store.Message // outcomes in the conversation before the wait returned
}

func (c *gateClient) TaskMessage(_ string, m store.Message) {
	if m.Kind == store.KindBackground {
		c.seen.Lock()
		c.background = append(c.background, m)
		c.seen.Unlock()
	}
	if m.Kind == store.KindTool && m.Name == "wait_for_background" && m.Status == store.ToolDone {
		c.once.Do(func() { c.waited <- m })
	}
}

func (c *gateClient) TaskState(info store.TaskInfo, _ []string) {
	if info.Status.Final() {
		c.finished <- info
	}
}

func (c *gateClient) ShowMessage(int, string, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
}

func (c *gateClient) Approve(context.Context, string) bool { return false }

func (c *gateClient) StartProgress(context.Context, string, string, func()) session.Progress {
	return nil
}

// TestWaitForBackgroundGetsAnOutcomeStillOnItsWayToTheEditor: the outcome
// of a background task that ends while its parent's model turn is in
// progress must reach wait_for_background even though telling the editor
// about it has not finished yet, or be in the conversation before it.
func TestWaitForBackgroundGetsAnOutcomeStillOnItsWayToTheEditor(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "a.txt"), []byte("alpha\n"), 0o644))
	space, err := tools.NewWorkspace(root)
	require.NoError(t, err)
	script, err := model.ParseScript("test", []byte(`{"conversations":[
 {"match":"^Parent","turns":[
  {"toolCalls":[{"name":"new_task","arguments":{"mode":"ask","message":"Helper","background":true}}]},
  {"delayMs":200,"toolCalls":[{"name":"wait_for_background","arguments":{}}]},
  {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"done"}}]}]},
 {"match":"^Helper","turns":[
  {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"a.txt holds alpha"}}]}]}]}`))
	require.NoError(t, err)

	client := &gateClient{waited: make(chan store.Message, 1), finished: make(chan store.TaskInfo, 4)}
	s, err := session.New(session.Options{Space: space, Provider: script, Client: client})
	require.NoError(t, err)
	defer s.Close()

	// The popup of the helper's outcome blocks until the parent's wait
	// has returned; the parent's second turn is delayed so that the
	// helper ends while that turn is in progress.
	client.mu.Lock()
	_, run, err := s.Start(session.StartParams{Text: "Parent: start a helper and wait"})
	require.NoError(t, err)
	run()
	waited := <-client.waited
	client.mu.Unlock()

	// The helper may also have ended before the parent's second turn
	// began, and its outcome been recorded then: the wait's answer that it
	// is "already in the conversation" must then be true.
	client.seen.Lock()
	before := client.background
	client.seen.Unlock()
	if len(before) == 0 {
		assert.Contains(t, waited.Output, "a.txt holds alpha", "the outcome is the wait's result")
	} else {
		assert.Equal(t, "a.txt holds alpha", before[0].Result)
		assert.Contains(t, waited.Output, "already in the conversation")
	}
	info := <-client.finished
	assert.Equal(t, store.StatusCompleted, info.Status)
}
