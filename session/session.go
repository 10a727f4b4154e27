// Package session is one editor connection's agent work: the foreground
// task stack, approvals, the conversation stream, task history, and the
// background runner that read-only subtasks run on.
package session

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/agentls/agentls/model"
	"github.com/agentls/agentls/runner"
	"github.com/agentls/agentls/store"
	"github.com/agentls/agentls/task"
	"github.com/agentls/agentls/tools"
)

// Message types of window/showMessage.
const (
	MessageError   = 1
	MessageWarning = 2
	MessageInfo    = 3
)

// Client is what the session needs of the editor.
type Client interface {
	TaskMessage(taskID string, m store.Message)
	TaskState(info store.TaskInfo, stack []string)
	// ShowMessage shows a message; taskID, when not empty, names the
	// background task it is about.
	ShowMessage(typ int, text, taskID string)
	// Approve asks the user to approve an action; anything but an
	// explicit approval is a denial.
	Approve(ctx context.Context, text string) bool
	// StartProgress begins a progress report, or returns nil when the
	// client has no progress support. cancel is called when the user
	// cancels it from the editor.
	StartProgress(ctx context.Context, taskID, title string, cancel func()) Progress
}

// Progress is one work-done progress report.
type Progress interface {
	Report(text string)
	End(text string)
}

// Options configures a Session.
type Options struct {
	Space    *tools.Workspace
	Provider model.Provider
	Client   Client
	History  History // nil: MemoryHistory
	// AutoApprove lists the tool groups that need no approval.
	AutoApprove []tools.Group
	// MaxConcurrent and Timeout bound background tasks (runner defaults
	// when zero).
	MaxConcurrent int
	Timeout       time.Duration
	// ContextWindow is the model's context in tokens, for trimming the
	// history sent to it; 0 sends it whole.
	ContextWindow int
	// SystemPrompt builds the system prompt of a task; nil sends none.
	SystemPrompt func(mode task.Mode, background bool) string
	Logger       *slog.Logger
}

// Session runs the tasks of one connection.
type Session struct {
	opts   Options
	runner *runner.Runner
	ctx    context.Context
	stop   context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	stack   []*entry
	tasks   map[string]*entry
	waiters []*waiter
	closed  bool
}

// entry is one task known to this session.
type entry struct {
	t        *task.Task
	log      TaskLog
	parentID string
	bg       bool

	// foreground: the cancel of the current run; compare-and-delete keeps a
	// finished run from clearing a newer run's cancel.
	cancel *context.CancelCauseFunc

	// background
	children []string // background children, in start order
	outcome  *store.Message
	pmu      sync.Mutex
	progress Progress // guarded by pmu, not the session's lock
}

// New starts a session.
func New(opts Options) (*Session, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.History == nil {
		opts.History = MemoryHistory()
	}
	s := &Session{opts: opts, tasks: map[string]*entry{}}
	r, err := runner.New(runner.Options{
		MaxConcurrent: opts.MaxConcurrent,
		Timeout:       opts.Timeout,
		OnOutcome:     s.onOutcome,
	})
	if err != nil {
		return nil, err
	}
	s.runner = r
	s.ctx, s.stop = context.WithCancel(context.Background())
	return s, nil
}

// Close cancels every task, waits for them to stop, and releases their logs.
func (s *Session) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	s.stop()
	s.runner.Dispose()
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.tasks {
		if err := e.log.Close(); err != nil {
			s.opts.Logger.Warn("closing task log", "task", e.t.ID(), "err", err)
		}
	}
	if c, ok := s.opts.History.(interface{ Close() error }); ok {
		if err := c.Close(); err != nil {
			s.opts.Logger.Warn("closing task history", "err", err)
		}
	}
}

// newTask makes a task of this session and registers it.
func (s *Session) newTask(info store.TaskInfo, msgs []store.Message, log TaskLog) (*entry, error) {
	mode, err := task.LookupMode(info.Mode)
	if err != nil {
		return nil, err
	}
	info.Mode = mode.Name
	e := &entry{log: log, parentID: info.ParentID, bg: info.Background}
	var host task.Host = fgHost{s, e}
	if info.Background {
		host = bgHost{s, e}
	}
	var system string
	if s.opts.SystemPrompt != nil {
		system = s.opts.SystemPrompt(mode, info.Background)
	}
	var fit func([]model.Message) []model.Message
	if s.opts.ContextWindow > 0 {
		fit = func(h []model.Message) []model.Message { return model.FitBudget(h, s.opts.ContextWindow) }
	}
	t, err := task.New(task.Options{
		Info:       info,
		Messages:   msgs,
		Provider:   s.opts.Provider,
		Space:      s.opts.Space,
		Host:       host,
		Log:        log,
		System:     system,
		FitHistory: fit,
		Logger:     s.opts.Logger,
		NewID:      uuid.NewString,
	})
	if err != nil {
		return nil, err
	}
	e.t = t
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errorf(Failed, "the session is shutting down")
	}
	s.tasks[info.TaskID] = e
	return e, nil
}

func (s *Session) lookup(id string) (*entry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.tasks[id]
	return e, ok
}

// stackIDs returns the stack's task ids, bottom first. s.mu must be held.
func (s *Session) stackIDs() []string {
	ids := make([]string, 0, len(s.stack))
	for _, e := range s.stack {
		ids = append(ids, e.t.ID())
	}
	return ids
}

// Title makes a task title from its first message: the first line, cut to
// at most 80 characters.
func Title(text string) string { return firstLine(text, 80) }

// firstLine returns the first line of text, trimmed and cut to at most n
// characters. The cut adds no ellipsis: what is shown is the start of the
// text as it was, which clients may match against the text.
func firstLine(text string, n int) string {
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	line = strings.TrimSpace(line)
	if utf8.RuneCountInString(line) <= n {
		return line
	}
	return strings.TrimSpace(string([]rune(line)[:n]))
}

// autoApproved reports whether a tool group needs no approval.
func (s *Session) autoApproved(g tools.Group) bool {
	return g == tools.GroupAlways || slices.Contains(s.opts.AutoApprove, g)
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
