package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

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
	lock, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, filePerm)
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
	return &Handle{store: s, taskID: info.TaskID, dir: dir, lock: lock, log: log, maxLog: maxLogSize}, nil
}
