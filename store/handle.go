package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
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
	broken error    // set when a failed append could not be undone
	closed bool
}

// TaskID returns the id of the open task.
func (h *Handle) TaskID() string { return h.taskID }

// Create stores a new task: it creates the task's directory, takes its
// lock, creates its empty message log and writes its metadata. Zero
// CreatedAt and UpdatedAt are set to now. Afterwards the oldest tasks beyond
// Options.Keep are deleted.
func (s *Store) Create(info TaskInfo) (*Handle, error) {
	if s.isClosed() {
		return nil, ErrClosed
	}
	if err := checkInfo(info); err != nil {
		return nil, err
	}
	if info.CreatedAt.IsZero() {
		info.CreatedAt = Now()
	}
	if info.UpdatedAt.IsZero() {
		info.UpdatedAt = info.CreatedAt
	}
	dir := s.taskDir(info.TaskID)
	if err := os.Mkdir(dir, dirPerm); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("task %s already exists", info.TaskID)
		}
		return nil, fmt.Errorf("create task %s: %w", info.TaskID, err)
	}
	h, err := s.create(dir, info)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := s.register(h); err != nil {
		return nil, err
	}
	s.enforceRetention(info.TaskID)
	return h, nil
}

func (s *Store) create(dir string, info TaskInfo) (_ *Handle, err error) {
	// The lock comes first: a task directory with metadata but no holder
	// is one whose process died.
	lock, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return nil, fmt.Errorf("create task %s: %w", info.TaskID, err)
	}
	defer func() {
		if err != nil {
			lock.Close()
		}
	}()
	if ok, err := tryLock(lock, lockExclusive); !ok {
		return nil, fmt.Errorf("create task %s: cannot lock: %w", info.TaskID, errors.Join(err, ErrLocked))
	}
	if err := writePID(lock); err != nil {
		return nil, fmt.Errorf("create task %s: %w", info.TaskID, err)
	}
	log, err := os.OpenFile(filepath.Join(dir, logFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return nil, fmt.Errorf("create task %s: %w", info.TaskID, err)
	}
	defer func() {
		if err != nil {
			log.Close()
		}
	}()
	if err := writeMeta(dir, info); err != nil { // also syncs dir
		return nil, err
	}
	if err := syncDir(s.dir); err != nil {
		return nil, fmt.Errorf("create task %s: %w", info.TaskID, err)
	}
	return &Handle{store: s, taskID: info.TaskID, dir: dir, lock: lock, log: log}, nil
}

// lockRetries are the waits between attempts to lock a task in Open: other
// processes' List and Get hold a task's lock for a moment to check whether
// it is alive, which must not look like the task being open.
var lockRetries = [...]time.Duration{2 * time.Millisecond, 8 * time.Millisecond, 30 * time.Millisecond, 100 * time.Millisecond}

// Open reopens a stored task to continue it: it takes the task's lock and
// loads its metadata and conversation. A task that was left working by a
// process that died comes back cancelled, with an Error saying it was
// interrupted. If another Handle holds the task, the error is a
// *LockedError (errors.Is ErrLocked) naming the holder's pid.
//
// A torn last line of the log, left by a crash in the middle of a write, is
// cut off so that the next Append starts on a fresh line.
func (s *Store) Open(taskID string) (*Handle, TaskInfo, []Message, error) {
	if s.isClosed() {
		return nil, TaskInfo{}, nil, ErrClosed
	}
	if checkTaskID(taskID) != nil {
		return nil, TaskInfo{}, nil, notFound(taskID)
	}
	dir := s.taskDir(taskID)
	if _, err := os.Stat(filepath.Join(dir, metaFile)); errors.Is(err, os.ErrNotExist) {
		return nil, TaskInfo{}, nil, notFound(taskID)
	}
	lock, err := s.lockTask(taskID, dir)
	if err != nil {
		return nil, TaskInfo{}, nil, err
	}
	h, info, msgs, err := s.openLocked(taskID, dir, lock)
	if err != nil {
		lock.Close()
		return nil, TaskInfo{}, nil, err
	}
	if err := s.register(h); err != nil {
		return nil, TaskInfo{}, nil, err
	}
	return h, info, msgs, nil
}

// lockTask takes the exclusive lock of an existing task.
func (s *Store) lockTask(taskID, dir string) (*os.File, error) {
	path := filepath.Join(dir, lockFile)
	lock, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, filePerm)
	if errors.Is(err, os.ErrNotExist) {
		return nil, notFound(taskID) // deleted meanwhile
	}
	if err != nil {
		return nil, fmt.Errorf("open task %s: %w", taskID, err)
	}
	for i := 0; ; i++ {
		ok, err := tryLock(lock, lockExclusive)
		if err != nil {
			lock.Close()
			return nil, fmt.Errorf("open task %s: %w", taskID, err)
		}
		if ok {
			break
		}
		if i == len(lockRetries) {
			lock.Close()
			return nil, &LockedError{TaskID: taskID, PID: readPID(path)}
		}
		time.Sleep(lockRetries[i])
	}
	// Retention may have deleted the task while we waited for the lock.
	if !sameFile(lock, path) {
		lock.Close()
		return nil, notFound(taskID)
	}
	return lock, nil
}

func (s *Store) openLocked(taskID, dir string, lock *os.File) (*Handle, TaskInfo, []Message, error) {
	info, err := readMeta(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, TaskInfo{}, nil, notFound(taskID)
	}
	if err != nil {
		return nil, TaskInfo{}, nil, fmt.Errorf("task %s: %w", taskID, err)
	}
	s.removeTemps(dir)
	if !info.Status.Final() {
		// We hold the lock, so no process is running the task.
		info = markInterrupted(info)
		if err := writeMeta(dir, info); err != nil {
			return nil, TaskInfo{}, nil, err
		}
		s.logger.Info("task was interrupted", "task", taskID)
	}
	log, err := os.OpenFile(filepath.Join(dir, logFile), os.O_RDWR|os.O_APPEND|os.O_CREATE, filePerm)
	if err != nil {
		return nil, TaskInfo{}, nil, fmt.Errorf("open task %s: %w", taskID, err)
	}
	scan, err := s.loadLog(taskID, log)
	if err == nil && scan.Torn > 0 {
		s.logger.Warn("cutting off a torn last line", "task", taskID, "bytes", scan.Torn)
		if err = log.Truncate(scan.End); err == nil {
			err = log.Sync()
		}
	}
	if err == nil {
		err = writePID(lock)
	}
	if err != nil {
		log.Close()
		return nil, TaskInfo{}, nil, fmt.Errorf("open task %s: %w", taskID, err)
	}
	h := &Handle{store: s, taskID: taskID, dir: dir, lock: lock, log: log, size: scan.End}
	return h, info, scan.Messages, nil
}

// removeTemps deletes temporary metadata files left by a crash during
// SaveInfo. The caller holds the task's lock.
func (s *Store) removeTemps(dir string) {
	temps, _ := filepath.Glob(filepath.Join(dir, "."+metaFile+"-*.tmp"))
	for _, t := range temps {
		os.Remove(t)
	}
}

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
// 16 MiB encoded is refused too.
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
	if _, err := h.log.Write(line); err != nil {
		// Undo a partial write so the next message starts a fresh line.
		if terr := h.log.Truncate(h.size); terr != nil {
			h.broken = err
		}
		return fmt.Errorf("task %s: append message: %w", h.taskID, err)
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
