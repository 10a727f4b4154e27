package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/agentls/agentls/runner"
	"github.com/agentls/agentls/store"
	"github.com/agentls/agentls/task"
	"github.com/agentls/agentls/tools"
)

// waiter is a wait_for_background call in progress.
type waiter struct {
	parentID string
	want     map[string]bool
	ch       chan store.Message
}

// startBackground submits a read-only subtask to the runner and returns the
// tool result for the parent.
func (s *Session) startBackground(parent *task.Task, in tools.NewTaskInput) (string, error) {
	info := newInfo(parent.ID(), Title(in.Message), in.Mode, true)
	e, err := s.newTask(info, nil, memoryLog{})
	if err != nil {
		return "", err
	}
	_, err = s.runner.Submit(runner.Job{
		ID:       info.TaskID,
		ParentID: info.ParentID,
		Title:    info.Title,
		Run:      func(ctx context.Context) (string, error) { return s.runBackground(ctx, e, in.Message) },
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		delete(s.tasks, info.TaskID)
		return "", fmt.Errorf("cannot start background task %q: %v", info.Title, err)
	}
	if pe, ok := s.tasks[parent.ID()]; ok {
		pe.children = append(pe.children, info.TaskID)
	}
	return fmt.Sprintf("Started background task %q with id %s. It runs read-only beside you; its outcome will be added to this conversation when it finishes, or call wait_for_background to wait for it.",
		info.Title, info.TaskID), nil
}

// runBackground is the runner job of a background task.
func (s *Session) runBackground(ctx context.Context, e *entry, input string) (string, error) {
	id := e.t.ID()
	e.setProgress(s.opts.Client.StartProgress(ctx, id, e.t.Info().Title, func() { _ = s.runner.Cancel(id) }))
	status := e.t.Run(ctx, input)
	info := e.t.Info()
	switch status {
	case store.StatusCompleted:
		return info.Result, nil
	case store.StatusFailed:
		return "", errors.New(info.Error)
	}
	if err := context.Cause(ctx); err != nil {
		return "", err
	}
	return "", fmt.Errorf("the task ended %s", status)
}

// onOutcome tells the editor and the parent how a background task ended.
func (s *Session) onOutcome(ri runner.Info) {
	e, ok := s.lookup(ri.ID)
	if !ok {
		return
	}
	msg := store.Message{Kind: store.KindBackground, TaskID: ri.ID, Title: ri.Title, Status: string(ri.Status)}
	if ri.Status == runner.StatusCompleted {
		msg.Result = ri.Result
	} else {
		msg.Text = ri.Error
	}

	s.mu.Lock()
	e.outcome = &msg
	var to *waiter
	for _, w := range s.waiters {
		if w.parentID == e.parentID && w.want[ri.ID] {
			to = w
			break
		}
	}
	parent := s.tasks[e.parentID]
	held := false
	switch {
	case to != nil:
		to.ch <- msg // buffered for every wanted id
	case parent != nil:
		// Held under s.mu, so that a wait_for_background that sees the
		// outcome set also finds it among the parent's held messages.
		held = parent.t.Hold(msg)
	}
	s.pruneLocked()
	s.mu.Unlock()

	if p := e.takeProgress(); p != nil {
		p.End(outcomeText(ri))
	}
	if typ, text, ok := popup(ri); ok {
		s.opts.Client.ShowMessage(typ, text, ri.ID)
	}
	if to == nil && parent != nil && !held {
		parent.t.Deliver(msg)
		if parent.t.Info().Status.Final() {
			s.idle(parent)
		}
	}
}

// popup is the window/showMessage for an outcome; a cancellation needs none.
func popup(ri runner.Info) (int, string, bool) {
	switch ri.Status {
	case runner.StatusCompleted:
		return MessageInfo, fmt.Sprintf("Background task %q completed: %s", ri.Title, firstLine(ri.Result, 200)), true
	case runner.StatusTimedOut:
		return MessageWarning, fmt.Sprintf("Background task %q timed out: %s", ri.Title, ri.Error), true
	case runner.StatusFailed:
		return MessageError, fmt.Sprintf("Background task %q failed: %s", ri.Title, firstLine(ri.Error, 500)), true
	}
	return 0, "", false
}

func outcomeText(ri runner.Info) string {
	if ri.Status == runner.StatusCompleted {
		return "completed: " + firstLine(ri.Result, 200)
	}
	return string(ri.Status) + ": " + firstLine(ri.Error, 200)
}

// waitForBackground blocks until the parent's listed background tasks (all
// when ids is empty) have an outcome or the timeout passes, and returns the
// outcomes that were not delivered to the conversation yet.
func (s *Session) waitForBackground(ctx context.Context, pe *entry, ids []string, timeout time.Duration) (string, error) {
	s.mu.Lock()
	if len(ids) == 0 {
		ids = append([]string(nil), pe.children...)
	}
	var unknown []string
	for _, id := range ids {
		if !slices.Contains(pe.children, id) {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		s.mu.Unlock()
		return "", fmt.Errorf("not background tasks of this task: %s", strings.Join(unknown, ", "))
	}
	if len(ids) == 0 {
		s.mu.Unlock()
		return "This task has started no background tasks.", nil
	}
	w := &waiter{parentID: pe.t.ID(), want: map[string]bool{}, ch: make(chan store.Message, len(ids))}
	var earlier []string // outcomes known before the wait: in the conversation already, or held for it
	for _, id := range ids {
		if e, ok := s.tasks[id]; ok && e.outcome != nil {
			earlier = append(earlier, id)
		} else {
			w.want[id] = true
		}
	}
	s.waiters = append(s.waiters, w)
	s.mu.Unlock()

	got := pe.t.TakePending(func(id string) bool { return slices.Contains(ids, id) })
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	remaining := len(w.want)
wait:
	for remaining > 0 {
		select {
		case m := <-w.ch:
			got = append(got, m)
			remaining--
		case <-timer.C:
			break wait
		case <-ctx.Done():
			break wait
		}
	}

	s.mu.Lock()
	s.waiters = slices.DeleteFunc(s.waiters, func(x *waiter) bool { return x == w })
	s.mu.Unlock()
	for drained := false; !drained; {
		select {
		case m := <-w.ch:
			got = append(got, m)
		default:
			drained = true
		}
	}
	if ctx.Err() != nil {
		// The outcomes taken here must not be lost with the cancelled call.
		for _, m := range got {
			pe.t.Deliver(m)
		}
		return "", ctx.Err()
	}
	return s.waitResult(ids, earlier, got, timeout), nil
}

func (s *Session) waitResult(ids, earlier []string, got []store.Message, timeout time.Duration) string {
	var b strings.Builder
	returned := map[string]bool{}
	for _, m := range got {
		returned[m.TaskID] = true
		b.WriteString(task.BackgroundText(m))
		b.WriteString("\n\n")
	}
	for _, id := range earlier {
		if !returned[id] {
			fmt.Fprintf(&b, "[Background task %s: its outcome is already in the conversation above]\n", id)
			returned[id] = true
		}
	}
	var running []string
	for _, id := range ids {
		if returned[id] {
			continue
		}
		title := id
		if e, ok := s.lookup(id); ok {
			title = fmt.Sprintf("%q (%s, %s)", e.t.Info().Title, id, s.infoOf(e).Status)
		}
		running = append(running, title)
	}
	if len(running) > 0 {
		fmt.Fprintf(&b, "Still without an outcome after %s: %s. Their outcomes will be added to this conversation when they finish.\n", timeout, strings.Join(running, ", "))
	}
	return strings.TrimSpace(b.String())
}

// infoOf returns a task's info; for a background task the runner's view of
// its status wins, since it knows about queueing and timeouts.
func (s *Session) infoOf(e *entry) store.TaskInfo {
	info := e.t.Info()
	if !e.bg {
		return info
	}
	ri, ok := s.runner.Get(info.TaskID)
	if !ok {
		if e.outcome != nil {
			info.Status = store.Status(e.outcome.Status)
		}
		return info
	}
	info.Status = store.Status(ri.Status)
	if ri.Status.Final() {
		info.Result, info.Error = ri.Result, ri.Error
		info.UpdatedAt = store.Time{Time: ri.FinishedAt.UTC()}
	}
	return info
}

// BackgroundList lists this session's background tasks in creation order.
func (s *Session) BackgroundList() []store.TaskInfo {
	var out []store.TaskInfo
	for _, ri := range s.runner.List() {
		if e, ok := s.lookup(ri.ID); ok {
			out = append(out, s.infoOf(e))
		}
	}
	return out
}

// CancelBackground cancels one background task.
func (s *Session) CancelBackground(taskID string) error {
	if taskID == "" {
		return errorf(Invalid, "taskId: missing")
	}
	e, ok := s.lookup(taskID)
	if !ok || !e.bg {
		return errorf(Invalid, "taskId: unknown background task %q", taskID)
	}
	return s.cancelBackground(taskID)
}

func (s *Session) cancelBackground(taskID string) error {
	if err := s.runner.Cancel(taskID); err != nil && !errors.Is(err, runner.ErrUnknownTask) {
		return errorf(Failed, "%v", err)
	}
	return nil
}

// bgHost is a background task's view of the session: no approvals, no
// conversation stream, progress reports only.
type bgHost struct {
	s *Session
	e *entry
}

func (bgHost) NeedsApproval(tools.Tool) bool                                { return false }
func (bgHost) Approve(context.Context, *task.Task, tools.Tool, string) bool { return true }
func (bgHost) Changed(*task.Task)                                           {}

func (h bgHost) Emit(t *task.Task, m store.Message) {
	if m.Kind != store.KindTool || m.Status != store.ToolPending {
		return
	}
	// Emit runs with the task's lock held, so it must not take the
	// session's: the progress has a lock of its own.
	h.e.pmu.Lock()
	defer h.e.pmu.Unlock()
	if h.e.progress != nil {
		input, _ := json.Marshal(m.Input)
		h.e.progress.Report(task.Summary(m.Name, input))
	}
}

func (e *entry) setProgress(p Progress) {
	e.pmu.Lock()
	defer e.pmu.Unlock()
	e.progress = p
}

// takeProgress returns the progress for its end, once.
func (e *entry) takeProgress() Progress {
	e.pmu.Lock()
	defer e.pmu.Unlock()
	p := e.progress
	e.progress = nil
	return p
}

func (bgHost) NewTask(context.Context, *task.Task, tools.NewTaskInput) (string, error) {
	return "", errors.New("new_task is not available to background tasks")
}

func (bgHost) WaitForBackground(context.Context, *task.Task, []string, time.Duration) (string, error) {
	return "", errors.New("wait_for_background is not available to background tasks")
}
