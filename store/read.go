package store

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// List returns this workspace's tasks, newest first by CreatedAt, without
// background tasks. Damaged entries are skipped with a warning. Tasks whose
// process died while they were working are reported, and when possible
// recorded, as cancelled with an Error saying they were interrupted.
func (s *Store) List() ([]TaskInfo, error) {
	if s.isClosed() {
		return nil, ErrClosed
	}
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	tasks := make([]TaskInfo, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() || checkTaskID(e.Name()) != nil {
			continue
		}
		dir := s.taskDir(e.Name())
		info, err := readMeta(dir)
		if err != nil {
			// A directory without metadata is a task being created (or
			// whose creation crashed): nothing to report yet.
			if !errors.Is(err, os.ErrNotExist) {
				s.logger.Warn("skipping a damaged task", "task", e.Name(), "err", err)
			}
			continue
		}
		if info.Background {
			continue
		}
		tasks = append(tasks, s.recoverInterrupted(dir, info))
	}
	slices.SortFunc(tasks, func(a, b TaskInfo) int {
		if c := b.CreatedAt.Compare(a.CreatedAt.Time); c != 0 {
			return c
		}
		return cmp.Compare(b.TaskID, a.TaskID)
	})
	return tasks, nil
}

// Get loads a task and its conversation without opening it; it needs no
// lock and tolerates a process appending at the same time. Unknown ids give
// ErrNotFound.
func (s *Store) Get(taskID string) (TaskInfo, []Message, error) {
	if s.isClosed() {
		return TaskInfo{}, nil, ErrClosed
	}
	if checkTaskID(taskID) != nil {
		return TaskInfo{}, nil, notFound(taskID)
	}
	dir := s.taskDir(taskID)
	info, err := readMeta(dir)
	if errors.Is(err, os.ErrNotExist) {
		return TaskInfo{}, nil, notFound(taskID)
	}
	if err != nil {
		return TaskInfo{}, nil, fmt.Errorf("task %s: %w", taskID, err)
	}
	info = s.recoverInterrupted(dir, info)
	f, err := os.Open(filepath.Join(dir, logFile))
	if errors.Is(err, os.ErrNotExist) {
		return info, []Message{}, nil
	}
	if err != nil {
		return TaskInfo{}, nil, fmt.Errorf("task %s: %w", taskID, err)
	}
	defer f.Close()
	scan, err := s.loadLog(taskID, f)
	if err != nil {
		return TaskInfo{}, nil, err
	}
	if scan.Torn > 0 {
		// Either a write in progress in another process or a crash: the
		// line is not a complete message in both cases.
		s.logger.Info("skipping an unterminated last line", "task", taskID, "bytes", scan.Torn)
	}
	return info, scan.Messages, nil
}

// loadLog reads a task's message log, warning about skipped lines.
func (s *Store) loadLog(taskID string, f *os.File) (logScan, error) {
	scan, err := loadMessages(f, maxLineSize, func(line int, reason string) {
		s.logger.Warn("skipping a damaged message", "task", taskID, "line", line, "reason", reason)
	})
	if err != nil {
		return logScan{}, fmt.Errorf("task %s: read messages: %w", taskID, err)
	}
	if scan.Messages == nil {
		scan.Messages = []Message{}
	}
	return scan, nil
}

// recoverInterrupted checks a task that its metadata says is still working.
// If nobody holds its lock, the process that ran it is gone: the task is
// reported cancelled as interrupted, and the correction is saved when the
// lock can be taken for it.
func (s *Store) recoverInterrupted(dir string, info TaskInfo) TaskInfo {
	if info.Status.Final() {
		return info
	}
	// A read-only descriptor is enough for flock and works on a data
	// directory this process may not write to.
	f, err := os.Open(filepath.Join(dir, lockFile))
	if errors.Is(err, os.ErrNotExist) {
		f, err = os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, filePerm)
	}
	if err != nil {
		s.logger.Warn("cannot check whether a task is still running", "task", info.TaskID, "err", err)
		return info
	}
	defer f.Close()
	// Probe with a shared lock so that concurrent listers do not mistake
	// each other's probe for a live task.
	free, err := tryLock(f, lockShared)
	if err != nil {
		s.logger.Warn("cannot check whether a task is still running", "task", info.TaskID, "err", err)
		return info
	}
	if !free {
		return info // open in some process: really working
	}
	fixed := markInterrupted(info)
	if ok, _ := tryLock(f, lockExclusive); !ok {
		return fixed // another lister holds it and will save the correction
	}
	// Under the exclusive lock nobody writes the metadata: read it again
	// in case the task ended between the first read and the lock.
	cur, err := readMeta(dir)
	if err != nil {
		return fixed
	}
	if cur.Status.Final() {
		return cur
	}
	fixed = markInterrupted(cur)
	if err := writeMeta(dir, fixed); err != nil {
		s.logger.Warn("cannot record that a task was interrupted", "task", info.TaskID, "err", err)
	} else {
		s.logger.Info("task was interrupted", "task", info.TaskID, "status", cur.Status)
	}
	return fixed
}
