package session

import (
	"errors"
	"sort"
	"sync"

	"github.com/agentls/agentls/store"
)

// History is where foreground tasks are kept across sessions.
type History interface {
	Create(info store.TaskInfo) (TaskLog, error)
	Open(taskID string) (TaskLog, store.TaskInfo, []store.Message, error)
	List() ([]store.TaskInfo, error)
	Get(taskID string) (store.TaskInfo, []store.Message, error)
}

// TaskLog persists one open task.
type TaskLog interface {
	Append(m store.Message) error
	SaveInfo(info store.TaskInfo) error
	Close() error
}

// StoreHistory adapts a store.Store to History.
func StoreHistory(s *store.Store) History { return storeHistory{s} }

type storeHistory struct{ s *store.Store }

func (h storeHistory) Create(info store.TaskInfo) (TaskLog, error) { return h.s.Create(info) }
func (h storeHistory) Open(id string) (TaskLog, store.TaskInfo, []store.Message, error) {
	handle, info, msgs, err := h.s.Open(id)
	if err != nil {
		return nil, info, msgs, err
	}
	return handle, info, msgs, nil
}
func (h storeHistory) List() ([]store.TaskInfo, error) { return h.s.List() }
func (h storeHistory) Get(id string) (store.TaskInfo, []store.Message, error) {
	return h.s.Get(id)
}

// memoryLog keeps nothing: background tasks live only in memory (their
// outcomes are stored with their parent), and so does everything when no
// data directory can be used.
type memoryLog struct{}

func (memoryLog) Append(store.Message) error    { return nil }
func (memoryLog) SaveInfo(store.TaskInfo) error { return nil }
func (memoryLog) Close() error                  { return nil }

// MemoryHistory is a History that lasts as long as the process: for tests
// and for when the data directory cannot be used.
func MemoryHistory() History { return &memoryHistory{tasks: map[string]*memoryTask{}} }

type memoryHistory struct {
	mu    sync.Mutex
	tasks map[string]*memoryTask
}

type memoryTask struct {
	info store.TaskInfo
	msgs []store.Message
}

type memoryTaskLog struct {
	h  *memoryHistory
	id string
}

func (h *memoryHistory) Create(info store.TaskInfo) (TaskLog, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tasks[info.TaskID] = &memoryTask{info: info}
	return memoryTaskLog{h, info.TaskID}, nil
}

func (h *memoryHistory) Open(id string) (TaskLog, store.TaskInfo, []store.Message, error) {
	info, msgs, err := h.Get(id)
	if err != nil {
		return nil, info, nil, err
	}
	return memoryTaskLog{h, id}, info, msgs, nil
}

func (h *memoryHistory) List() ([]store.TaskInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []store.TaskInfo
	for _, t := range h.tasks {
		if !t.info.Background {
			out = append(out, t.info)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt.Time) })
	return out, nil
}

func (h *memoryHistory) Get(id string) (store.TaskInfo, []store.Message, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t, ok := h.tasks[id]
	if !ok {
		return store.TaskInfo{}, nil, store.ErrNotFound
	}
	return t.info, append([]store.Message(nil), t.msgs...), nil
}

func (l memoryTaskLog) Append(m store.Message) error {
	l.h.mu.Lock()
	defer l.h.mu.Unlock()
	t, ok := l.h.tasks[l.id]
	if !ok {
		return errors.New("task is gone")
	}
	t.msgs = append(t.msgs, m)
	return nil
}

func (l memoryTaskLog) SaveInfo(info store.TaskInfo) error {
	l.h.mu.Lock()
	defer l.h.mu.Unlock()
	if t, ok := l.h.tasks[l.id]; ok {
		t.info = info
	}
	return nil
}

func (l memoryTaskLog) Close() error { return nil }

// Close closes the store.
func (h storeHistory) Close() error { return h.s.Close() }

// idleLog is the log of a foreground task. It holds its task open in the
// history (and so its lock) only while there is something to write: it is
// released whenever a run ends, and taken again on the next write, so a
// long session does not keep a descriptor and a lock per finished task.
type idleLog struct {
	h  History
	id string

	mu  sync.Mutex
	log TaskLog // nil while released
}

func newIdleLog(h History, id string, open TaskLog) *idleLog {
	return &idleLog{h: h, id: id, log: open}
}

func (l *idleLog) take() (TaskLog, error) {
	if l.log == nil {
		log, _, _, err := l.h.Open(l.id)
		if err != nil {
			return nil, err
		}
		l.log = log
	}
	return l.log, nil
}

func (l *idleLog) Append(m store.Message) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	log, err := l.take()
	if err != nil {
		return err
	}
	return log.Append(m)
}

func (l *idleLog) SaveInfo(info store.TaskInfo) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	log, err := l.take()
	if err != nil {
		return err
	}
	return log.SaveInfo(info)
}

// Close releases the task until the next write.
func (l *idleLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.log == nil {
		return nil
	}
	err := l.log.Close()
	l.log = nil
	return err
}
