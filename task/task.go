// Package task runs the agent loop of one task: ask the model, run the tool
// calls of its answer, send the results back, and repeat until the model
// calls attempt_completion, the task fails, or it is cancelled. The task
// owns its conversation and status; everything outside it (approvals,
// subtasks, background work, notifications) goes through Host.
package task

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/agentls/agentls/model"
	"github.com/agentls/agentls/store"
	"github.com/agentls/agentls/tools"
)

// Log persists a task. Append must make the message durable before it
// returns; the message is announced only afterwards.
type Log interface {
	Append(m store.Message) error
	SaveInfo(info store.TaskInfo) error
}

// Host is the task's view of its session.
type Host interface {
	// NeedsApproval reports whether a call of the tool must be approved.
	NeedsApproval(tool tools.Tool) bool
	// Approve asks whether a tool call may run; summary says what it does.
	Approve(ctx context.Context, t *Task, tool tools.Tool, summary string) bool
	// NewTask runs a subtask for new_task and returns the tool result.
	NewTask(ctx context.Context, parent *Task, in tools.NewTaskInput) (string, error)
	// WaitForBackground implements wait_for_background.
	WaitForBackground(ctx context.Context, parent *Task, ids []string, timeout time.Duration) (string, error)
	// Changed reports a status change; Info has the new status.
	Changed(t *Task)
	// Emit announces a message of the conversation (persisted already,
	// unless Partial).
	Emit(t *Task, m store.Message)
}

// Options configures a Task.
type Options struct {
	Info     store.TaskInfo  // TaskID, Title, Mode, ParentID, Background, CreatedAt
	Messages []store.Message // the conversation so far, for a resumed task
	Provider model.Provider
	Space    *tools.Workspace
	Host     Host
	Log      Log
	// System is the system prompt.
	System string
	// FitHistory trims the model-facing history to the context budget; nil
	// sends it whole.
	FitHistory func([]model.Message) []model.Message
	Logger     *slog.Logger
	// NewID makes message ids.
	NewID func() string
}

// Task is one agent conversation.
type Task struct {
	opts  Options
	mode  Mode
	tools []tools.Tool

	mu      sync.Mutex
	info    store.TaskInfo
	msgs    []store.Message
	index   map[string]int  // message id -> position in msgs
	pending []store.Message // background outcomes held until the next model turn
	running bool            // a Run is in progress
	replies chan string     // answers to a question, while waiting
}

// New makes a task; it does nothing until Run.
func New(opts Options) (*Task, error) {
	mode, err := LookupMode(opts.Info.Mode)
	if err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	info := opts.Info
	info.Mode = mode.Name
	if info.Status == "" {
		info.Status = store.StatusRunning
	}
	t := &Task{
		opts:  opts,
		mode:  mode,
		tools: mode.ToolsFor(info.Background),
		info:  info,
		msgs:  Collapse(opts.Messages),
		index: map[string]int{},
	}
	for i, m := range t.msgs {
		t.index[m.ID] = i
	}
	return t, nil
}

// ID returns the task id.
func (t *Task) ID() string { return t.opts.Info.TaskID }

// Info returns a snapshot of the task's info.
func (t *Task) Info() store.TaskInfo {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.info
}

// Messages returns a copy of the conversation.
func (t *Task) Messages() []store.Message {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]store.Message(nil), t.msgs...)
}

// Mode returns the task's mode.
func (t *Task) Mode() Mode { return t.mode }

// Collapse keeps the last version of each message id, at the place of
// its first version: a stored log holds every update of a tool message.
func Collapse(msgs []store.Message) []store.Message {
	index := map[string]int{}
	var out []store.Message
	for _, m := range msgs {
		if m.Partial {
			continue
		}
		if i, ok := index[m.ID]; ok && m.ID != "" {
			out[i] = m
			continue
		}
		index[m.ID] = len(out)
		out = append(out, m)
	}
	return out
}
