package session

import (
	"slices"
)

// Finished tasks a session keeps in memory; older ones are forgotten, so a
// long session does not grow without bound. A forgotten foreground task is
// still in the history and is loaded again when asked for.
const (
	keepBackground = 200 // beyond those the runner still lists
	keepForeground = 50
)

// pruneLocked forgets the oldest finished tasks beyond the limits.
// s.mu must be held.
func (s *Session) pruneLocked() {
	listed := map[string]bool{}
	for _, ri := range s.runner.List() {
		listed[ri.ID] = true
	}
	var bg, fg []*entry
	for id, e := range s.tasks {
		switch {
		case e.bg && e.outcome != nil && !listed[id]:
			bg = append(bg, e)
		case !e.bg && s.forgettableLocked(e):
			fg = append(fg, e)
		}
	}
	s.forgetOldest(bg, keepBackground)
	s.forgetOldest(fg, keepForeground)
}

// forgettableLocked reports whether a foreground task is finished, idle,
// off the stack, and owes no background outcome to its conversation.
func (s *Session) forgettableLocked(e *entry) bool {
	if e.cancel != nil || slices.Contains(s.stack, e) || !e.t.Info().Status.Final() {
		return false
	}
	for _, id := range e.children {
		if c, ok := s.tasks[id]; ok && c.outcome == nil {
			return false
		}
	}
	return true
}

// current returns the task of this session that is the authority on
// taskID: a background task, or a foreground task that is active or still
// owes background outcomes. A finished, idle foreground task is forgotten
// here, because another process on the same history may have continued it
// since: the history is then the authority.
func (s *Session) current(taskID string) (*entry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.tasks[taskID]
	if !ok {
		return nil, false
	}
	if !e.bg && s.forgettableLocked(e) {
		s.forgetLocked(e)
		return nil, false
	}
	return e, true
}

func (s *Session) forgetOldest(entries []*entry, keep int) {
	if len(entries) <= keep {
		return
	}
	slices.SortFunc(entries, func(a, b *entry) int { return a.t.Info().CreatedAt.Compare(b.t.Info().CreatedAt.Time) })
	for _, e := range entries[:len(entries)-keep] {
		s.forgetLocked(e)
	}
}

// forgetLocked drops a task from the session and releases its log (a task
// loaded but never run still holds it).
func (s *Session) forgetLocked(e *entry) {
	delete(s.tasks, e.t.ID())
	s.idle(e)
}
