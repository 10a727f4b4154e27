package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agentls/agentls/store"
	"github.com/agentls/agentls/task"
	"github.com/agentls/agentls/tools"
)

// StartParams are the parameters of task/start.
type StartParams struct {
	Text  string
	Mode  string
	Title string
}

// errCancelled is the cause of a cancel the user asked for.
var errCancelled = errors.New("cancelled")

// Start creates a foreground task. The returned run starts it; the caller
// calls it once the reply naming the task has been sent, so that the
// task's first notifications follow that reply.
func (s *Session) Start(p StartParams) (string, func(), error) {
	if strings.TrimSpace(p.Text) == "" {
		return "", nil, errorf(Invalid, "text: must not be empty")
	}
	if _, err := task.LookupMode(p.Mode); err != nil {
		return "", nil, errorf(Invalid, "mode: %v", err)
	}
	if err := s.checkIdle(); err != nil {
		return "", nil, err
	}
	title := strings.TrimSpace(p.Title)
	if title == "" {
		title = Title(p.Text)
	}
	e, err := s.create(newInfo("", title, p.Mode, false))
	if err != nil {
		return "", nil, errorf(Failed, "%v", err)
	}
	run, err := s.push(e, p.Text)
	if err != nil {
		return "", nil, err
	}
	return e.t.ID(), run, nil
}

// newInfo describes a task about to be created.
func newInfo(parentID, title, mode string, background bool) store.TaskInfo {
	if mode == "" {
		mode = task.DefaultMode
	}
	status := store.StatusRunning
	if background {
		status = store.StatusQueued
	}
	now := store.Now()
	return store.TaskInfo{TaskID: uuid.NewString(), ParentID: parentID, Title: title, Mode: mode,
		Background: background, Status: status, CreatedAt: now, UpdatedAt: now}
}

// create stores a new foreground task and registers it.
func (s *Session) create(info store.TaskInfo) (*entry, error) {
	log, err := s.opts.History.Create(info)
	if err != nil {
		return nil, fmt.Errorf("cannot store the new task: %v", err)
	}
	e, err := s.newTask(info, nil, newIdleLog(s.opts.History, info.TaskID, log))
	if err != nil {
		_ = log.Close()
		return nil, err
	}
	return e, nil
}

// checkIdle fails with Busy while a foreground task is active.
func (s *Session) checkIdle() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.busyLocked()
}

func (s *Session) busyLocked() error {
	if s.closed {
		return errorf(Failed, "the session is shutting down")
	}
	if len(s.stack) > 0 {
		top := s.stack[len(s.stack)-1].t
		return errorf(Busy, "a foreground task is active: %s (%q)", top.ID(), top.Info().Title)
	}
	return nil
}

// push makes e the only foreground task and returns the function that runs
// it with input on its own goroutine.
func (s *Session) push(e *entry, input string) (func(), error) {
	s.mu.Lock()
	if err := s.busyLocked(); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(s.ctx)
	e.cancel = &cancel
	s.stack = append(s.stack, e)
	s.wg.Add(1)
	s.mu.Unlock()
	return func() {
		go func() {
			defer s.wg.Done()
			defer s.release(e, &cancel)
			e.t.Run(ctx, input)
			s.idle(e)
		}()
	}, nil
}

// idle releases a task's log between runs; a late write takes it again.
func (s *Session) idle(e *entry) {
	if err := e.log.Close(); err != nil {
		s.opts.Logger.Warn("releasing task log", "task", e.t.ID(), "err", err)
	}
}

// release forgets a finished run's cancel, unless a newer run replaced it.
func (s *Session) release(e *entry, cancel *context.CancelCauseFunc) {
	(*cancel)(nil)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.cancel == cancel {
		e.cancel = nil
	}
}

// Reply answers a task's question, or continues a finished task with a new
// user message.
func (s *Session) Reply(taskID, text string) (func(), error) {
	if strings.TrimSpace(text) == "" {
		return nil, errorf(Invalid, "text: must not be empty")
	}
	e, err := s.reopen(taskID)
	if err != nil {
		return nil, err
	}
	if e.t.Waiting() {
		if err := e.t.Reply(text); err == nil {
			return func() {}, nil
		}
	}
	info := e.t.Info()
	switch {
	case e.bg:
		return nil, errorf(Failed, "task %s is a background task; it takes no replies", taskID)
	case !info.Status.Final():
		return nil, errorf(Failed, "task %s is %s; it is not waiting for a reply", taskID, info.Status)
	}
	return s.push(e, text)
}

// Resume reopens a stored task as the foreground task and asks the model
// again.
func (s *Session) Resume(taskID string) (func(), error) {
	if err := s.checkIdle(); err != nil {
		return nil, err
	}
	e, err := s.reopen(taskID)
	if err != nil {
		return nil, err
	}
	if e.bg {
		return nil, errorf(Failed, "task %s is a background task; it cannot be resumed", taskID)
	}
	return s.push(e, "")
}

// reopen finds a task of this session, or loads it from the history.
func (s *Session) reopen(taskID string) (*entry, error) {
	if taskID == "" {
		return nil, errorf(Invalid, "taskId: missing")
	}
	if e, ok := s.current(taskID); ok {
		return e, nil
	}
	log, info, msgs, err := s.opts.History.Open(taskID)
	switch {
	case isNotFound(err):
		return nil, unknownTask(taskID)
	case err != nil:
		return nil, errorf(Failed, "%v", err)
	}
	info.ParentID = "" // a reopened subtask stands on its own
	e, err := s.newTask(info, msgs, newIdleLog(s.opts.History, taskID, log))
	if err != nil {
		_ = log.Close()
		return nil, errorf(Failed, "cannot reopen task %s: %v", taskID, err)
	}
	return e, nil
}

// Cancel cancels a task and all its descendants, foreground and background.
func (s *Session) Cancel(taskID string) error {
	if taskID == "" {
		return errorf(Invalid, "taskId: missing")
	}
	e, ok := s.lookup(taskID)
	if !ok {
		if _, _, err := s.opts.History.Get(taskID); err != nil {
			return unknownTask(taskID)
		}
		return nil // stored, not running: nothing to cancel
	}
	if e.bg {
		return s.cancelBackground(taskID)
	}
	s.mu.Lock()
	var cancels []context.CancelCauseFunc
	var parents []string
	for id, d := range s.tasks {
		if id == taskID || s.descendsLocked(d, taskID) {
			if d.cancel != nil {
				cancels = append(cancels, *d.cancel)
			}
			if !d.bg {
				parents = append(parents, id)
			}
		}
	}
	s.mu.Unlock()
	for _, id := range parents {
		s.runner.CancelByParent(id)
	}
	for _, c := range cancels {
		c(errCancelled)
	}
	return nil
}

// descendsLocked reports whether e is a descendant of ancestor.
func (s *Session) descendsLocked(e *entry, ancestor string) bool {
	for seen := 0; e != nil && e.parentID != "" && seen < len(s.tasks); seen++ {
		if e.parentID == ancestor {
			return true
		}
		e = s.tasks[e.parentID]
	}
	return false
}

// List returns the stored foreground tasks, newest first.
func (s *Session) List() ([]store.TaskInfo, error) {
	infos, err := s.opts.History.List()
	if err != nil {
		return nil, errorf(Failed, "cannot list tasks: %v", err)
	}
	// Tasks this session is working on are reported as they are now.
	for i := range infos {
		if e, ok := s.current(infos[i].TaskID); ok {
			infos[i] = e.t.Info()
		}
	}
	return infos, nil
}

// Get returns a task's info and conversation.
func (s *Session) Get(taskID string) (store.TaskInfo, []store.Message, error) {
	if taskID == "" {
		return store.TaskInfo{}, nil, errorf(Invalid, "taskId: missing")
	}
	if e, ok := s.current(taskID); ok {
		return s.infoOf(e), e.t.Messages(), nil
	}
	info, msgs, err := s.opts.History.Get(taskID)
	switch {
	case isNotFound(err):
		return info, nil, unknownTask(taskID)
	case err != nil:
		return info, nil, errorf(Failed, "%v", err)
	}
	return info, task.Collapse(msgs), nil
}

// fgHost is a foreground task's view of the session.
type fgHost struct {
	s *Session
	e *entry
}

func (h fgHost) NeedsApproval(tool tools.Tool) bool { return !h.s.autoApproved(tool.Group) }

func (h fgHost) Approve(ctx context.Context, t *task.Task, tool tools.Tool, summary string) bool {
	return h.s.opts.Client.Approve(ctx, fmt.Sprintf("Task %q wants to %s: %s", t.Info().Title, verb(tool.Group), summary))
}

func verb(g tools.Group) string {
	switch g {
	case tools.GroupEdit:
		return "edit a file"
	case tools.GroupCommand:
		return "run a command"
	}
	return "read"
}

func (h fgHost) Emit(t *task.Task, m store.Message) { h.s.opts.Client.TaskMessage(t.ID(), m) }

func (h fgHost) Changed(t *task.Task) {
	info := t.Info()
	s := h.s
	s.mu.Lock()
	if info.Status.Final() {
		for i, e := range s.stack {
			if e == h.e {
				s.stack = append(s.stack[:i:i], s.stack[i+1:]...)
				break
			}
		}
		s.pruneLocked()
	}
	stack := s.stackIDs()
	s.mu.Unlock()
	s.opts.Client.TaskState(info, stack)
}

// NewTask runs a foreground subtask on the caller's goroutine (the parent is
// paused meanwhile), or starts a background one.
// The task has checked in's mode.
func (h fgHost) NewTask(ctx context.Context, parent *task.Task, in tools.NewTaskInput) (string, error) {
	if in.Background {
		return h.s.startBackground(parent, in)
	}
	s := h.s
	e, err := s.create(newInfo(parent.ID(), Title(in.Message), in.Mode, false))
	if err != nil {
		return "", err
	}
	childCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	s.mu.Lock()
	e.cancel = &cancel
	s.stack = append(s.stack, e)
	s.mu.Unlock()
	defer s.release(e, &cancel)

	status := e.t.Run(childCtx, in.Message)
	s.idle(e)
	child := e.t.Info()
	switch status {
	case store.StatusCompleted:
		return child.Result, nil
	case store.StatusFailed:
		return "", fmt.Errorf("subtask %q failed: %s", child.Title, child.Error)
	default:
		return "", fmt.Errorf("subtask %q was %s", child.Title, status)
	}
}

func (h fgHost) WaitForBackground(ctx context.Context, parent *task.Task, ids []string, timeout time.Duration) (string, error) {
	return h.s.waitForBackground(ctx, h.e, ids, timeout)
}
