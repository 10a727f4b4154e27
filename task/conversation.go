package task

import (
	"errors"
	"fmt"

	"github.com/agentls/agentls/store"
)

// ErrNotWaiting is returned by Reply when the task asked nothing.
var ErrNotWaiting = errors.New("the task is not waiting for a reply")

// record adds a message (or a new version of one, same id) to the
// conversation, persists it, and announces it. Partial text is only
// announced.
func (t *Task) record(m store.Message) store.Message {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.recordLocked(m)
}

// recordLocked is record with t.mu held. Holding the lock across persist and
// announce keeps the stored order and the announced order the same when a
// background outcome arrives from another goroutine.
func (t *Task) recordLocked(m store.Message) store.Message {
	if m.ID == "" {
		m.ID = t.opts.NewID()
	}
	if m.TS.IsZero() {
		m.TS = store.Now()
	}
	if !m.Partial {
		if i, ok := t.index[m.ID]; ok {
			t.msgs[i] = m
		} else {
			t.index[m.ID] = len(t.msgs)
			t.msgs = append(t.msgs, m)
		}
		if err := t.opts.Log.Append(m); err != nil {
			t.opts.Logger.Error("persisting message failed", "task", t.info.TaskID, "err", err)
		}
	}
	t.opts.Host.Emit(t, m)
	return m
}

// setStatus changes the status, persists the info and reports the change.
func (t *Task) setStatus(s store.Status, result, errText string) {
	t.mu.Lock()
	t.info.Status = s
	t.info.UpdatedAt = store.Now()
	if s.Final() {
		t.info.Result = result
		t.info.Error = errText
	} else {
		t.info.Result, t.info.Error = "", ""
	}
	if s != store.StatusRunning {
		// Outcomes that arrived during the turn must not wait for a turn
		// that may never come.
		t.flushLocked()
	}
	info := t.info
	t.mu.Unlock()
	if err := t.opts.Log.SaveInfo(info); err != nil {
		t.opts.Logger.Error("persisting task info failed", "task", info.TaskID, "err", err)
	}
	t.opts.Host.Changed(t)
}

func (t *Task) addUsage(u store.Usage) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.info.Usage == nil {
		t.info.Usage = &store.Usage{}
	}
	t.info.Usage.InputTokens += u.InputTokens
	t.info.Usage.OutputTokens += u.OutputTokens
}

// Deliver adds a background outcome (kind background) to the conversation.
// While a model turn is in progress it is held and recorded before the next
// model call; otherwise it is recorded at once, whatever the status.
func (t *Task) Deliver(m store.Message) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.holdLocked(m) {
		t.recordLocked(m)
	}
}

// Hold holds a background outcome for the next model call, as Deliver does,
// when a model turn is in progress, and reports whether it did. It neither
// persists nor announces anything, so a caller may hold its own locks.
func (t *Task) Hold(m store.Message) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.holdLocked(m)
}

func (t *Task) holdLocked(m store.Message) bool {
	if t.running && t.info.Status == store.StatusRunning {
		t.pending = append(t.pending, m)
		return true
	}
	return false
}

// TakePending removes and returns the held outcomes of the given
// background tasks (all when ids is empty), for wait_for_background.
func (t *Task) TakePending(match func(taskID string) bool) []store.Message {
	t.mu.Lock()
	defer t.mu.Unlock()
	var taken, kept []store.Message
	for _, m := range t.pending {
		if match(m.TaskID) {
			taken = append(taken, m)
		} else {
			kept = append(kept, m)
		}
	}
	t.pending = kept
	return taken
}

func (t *Task) flushLocked() {
	for _, m := range t.pending {
		t.recordLocked(m)
	}
	t.pending = nil
}

func (t *Task) flush() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.flushLocked()
}

// Reply answers the task's open question.
func (t *Task) Reply(text string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.info.Status != store.StatusWaiting || t.replies == nil {
		return fmt.Errorf("task %s is %s: %w", t.info.TaskID, t.info.Status, ErrNotWaiting)
	}
	ch := t.replies
	t.replies = nil // one answer per question
	ch <- text      // buffered
	return nil
}

// Waiting reports whether the task waits for a reply to a question.
func (t *Task) Waiting() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.info.Status == store.StatusWaiting && t.replies != nil
}
