package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// Handle is one task held open for writing. It owns the task's lock until
// Close, so no other Handle, in this process or another, writes the task
// meanwhile. Its methods are safe for concurrent use.
type Handle struct {
	store  *Store
	taskID string
	dir    string

	mu     sync.Mutex
	lock   *os.File // holds the flock
	log    *os.File // O_APPEND
	size   int64    // length of the log after the last complete append
	maxLog int64    // bound on size
	broken error    // set when a failed append could not be undone
	closed bool
}

// TaskID returns the id of the open task.
func (h *Handle) TaskID() string { return h.taskID }

// register records an open Handle so that Store.Close can release it.
func (s *Store) register(h *Handle) error {
	s.mu.Lock()
	closed := s.closed
	if !closed {
		s.handles[h] = struct{}{}
	}
	s.mu.Unlock()
	if closed {
		h.close()
		return ErrClosed
	}
	return nil
}

// Append adds one completed message to the task's log and syncs it to disk
// before returning, so a message announced after Append returns survives a
// crash. Streamed chunks (Partial=true) are refused with ErrPartial: only
// the final text of a streamed message is stored. A message larger than
// 16 MiB encoded is refused too, and so is any message once the log holds
// 256 MiB, far beyond what any model can take as context.
func (h *Handle) Append(m Message) error {
	line, err := encodeMessage(m, maxLineSize)
	if err != nil {
		return fmt.Errorf("task %s: %w", h.taskID, err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return ErrClosed
	}
	if h.broken != nil {
		return fmt.Errorf("task %s: message log unusable after an earlier failure: %w", h.taskID, h.broken)
	}
	if h.size+int64(len(line)) > h.maxLog {
		return fmt.Errorf("task %s: the conversation log is full (%d MiB); start a new task", h.taskID, h.maxLog>>20)
	}
	if _, err := h.log.Write(line); err != nil {
		// Undo a partial write so the next message starts a fresh line.
		if terr := h.log.Truncate(h.size); terr != nil {
			h.broken = err
		}
		return fmt.Errorf("task %s: append message: %w", h.taskID, err)
	}
	if !durable(m) {
		h.size += int64(len(line))
		return nil
	}
	if err := h.log.Sync(); err != nil {
		// After a failed fsync the kernel may have dropped the data; it is
		// not safe to go on writing as if it were there.
		h.broken = err
		return fmt.Errorf("task %s: sync message log: %w", h.taskID, err)
	}
	h.size += int64(len(line))
	return nil
}

// SaveInfo atomically replaces the task's metadata.
func (h *Handle) SaveInfo(info TaskInfo) error {
	if info.TaskID != h.taskID {
		return fmt.Errorf("task %s: SaveInfo given task %q", h.taskID, info.TaskID)
	}
	if err := checkInfo(info); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return ErrClosed
	}
	return writeMeta(h.dir, info)
}

// Close closes the task's log and releases its lock. It is idempotent.
func (h *Handle) Close() error {
	err := h.close()
	h.store.mu.Lock()
	delete(h.store.handles, h)
	h.store.mu.Unlock()
	return err
}

func (h *Handle) close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	h.closed = true
	// Closing the lock file releases the flock; the log goes first so no
	// write can follow the release.
	return errors.Join(h.log.Close(), h.lock.Close())
}

var _ io.Closer = (*Handle)(nil)

// durable reports whether a message must be synced before Append returns.
// A tool call's intermediate statuses (pending, approved) are only written:
// they carry nothing that its final status will not, a killed process
// keeps them (the page cache survives it), and the next synced append
// makes them durable too. Skipping their fsync halves the syncs of a turn
// full of tool calls.
func durable(m Message) bool {
	return !(m.Kind == KindTool && (m.Status == ToolPending || m.Status == ToolApproved))
}
