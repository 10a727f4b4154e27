package rpc

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/agentls/agentls/session"
	"github.com/agentls/agentls/store"
)

// Actions of the approval request.
const (
	ActionApprove = "Approve"
	ActionDeny    = "Deny"
)

// progressCreateTimeout bounds the wait for window/workDoneProgress/create.
const progressCreateTimeout = 5 * time.Second

// client makes the server's calls to the editor; it is the session's Client.
type client struct {
	conn *jsonrpc2.Conn
	out  *stream // notifications go straight to the stream
	log  *slog.Logger

	mu       sync.Mutex
	progress bool              // the client declared window.workDoneProgress
	tokens   map[string]func() // progress token -> cancel
}

var _ session.Client = (*client)(nil)

func (c *client) setProgress(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.progress = on
}

func (c *client) notify(method string, params any) {
	if err := c.out.WriteNotification(method, params); err != nil {
		c.log.Debug("notification not sent", "method", method, "err", err)
	}
}

func (c *client) TaskMessage(taskID string, m store.Message) {
	c.notify("task/message", TaskMessageParams{TaskID: taskID, Message: m})
}

func (c *client) TaskState(info store.TaskInfo, stack []string) {
	c.notify("task/state", TaskStateParams{Task: info, Stack: nonNil(stack)})
}

func (c *client) ShowMessage(typ int, text, taskID string) {
	c.notify("window/showMessage", ShowMessageParams{Type: typ, Message: text, TaskID: taskID})
}

// Approve asks with window/showMessageRequest. It waits as long as the
// user takes; cancelling ctx (the task) ends the wait as a denial.
func (c *client) Approve(ctx context.Context, text string) bool {
	var choice *MessageActionItem
	err := c.conn.Call(ctx, "window/showMessageRequest", ShowMessageParams{
		Type:    session.MessageWarning,
		Message: text,
		Actions: []MessageActionItem{{Title: ActionApprove}, {Title: ActionDeny}},
	}, &choice)
	if err != nil {
		c.log.Debug("approval request failed; denied", "err", err)
		return false
	}
	return choice != nil && choice.Title == ActionApprove
}

// StartProgress implements session.Client.
func (c *client) StartProgress(ctx context.Context, taskID, title string, cancel func()) session.Progress {
	c.mu.Lock()
	supported := c.progress
	c.mu.Unlock()
	if !supported {
		return nil
	}
	// The token names the task, so that a client can tell whose progress
	// it is; a task reports under one token only.
	token := "agentls/background/" + taskID
	// The task waits for the editor to accept the token, but not for long:
	// progress is a courtesy, never a reason for work to stall.
	cctx, cancelCreate := context.WithTimeout(ctx, progressCreateTimeout)
	defer cancelCreate()
	if err := c.conn.Call(cctx, "window/workDoneProgress/create", WorkDoneProgressCreateParams{Token: token}, nil); err != nil {
		c.log.Debug("progress not created", "err", err)
		return nil
	}
	c.mu.Lock()
	if c.tokens == nil {
		c.tokens = map[string]func(){}
	}
	c.tokens[token] = cancel
	c.mu.Unlock()
	p := &progress{c: c, token: token}
	c.notify("$/progress", ProgressParams{Token: token, Value: ProgressValue{Kind: "begin", Title: title, Cancellable: true}})
	return p
}

func (c *client) cancelProgress(raw json.RawMessage) {
	var token string
	if json.Unmarshal(raw, &token) != nil {
		return
	}
	c.mu.Lock()
	cancel := c.tokens[token]
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

type progress struct {
	c     *client
	token string
	once  sync.Once
}

func (p *progress) Report(text string) {
	p.c.notify("$/progress", ProgressParams{Token: p.token, Value: ProgressValue{Kind: "report", Message: text}})
}

func (p *progress) End(text string) {
	p.once.Do(func() {
		p.c.mu.Lock()
		delete(p.c.tokens, p.token)
		p.c.mu.Unlock()
		p.c.notify("$/progress", ProgressParams{Token: p.token, Value: ProgressValue{Kind: "end", Message: text}})
	})
}
