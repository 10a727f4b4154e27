package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Other processes' List and Get hold a task's lock for a moment to check
// whether it is alive, which must not look like the task being open: Open
// tries lockAttempts times, waiting firstLockWait, then three times longer
// after each failure (about 80ms in all).
const (
	lockAttempts  = 5
	firstLockWait = 2 * time.Millisecond
)

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
	for i, wait := 1, firstLockWait; ; i, wait = i+1, wait*3 {
		ok, err := tryLock(lock, lockExclusive)
		if err != nil {
			lock.Close()
			return nil, fmt.Errorf("open task %s: %w", taskID, err)
		}
		if ok {
			break
		}
		if i == lockAttempts {
			lock.Close()
			return nil, &LockedError{TaskID: taskID, PID: readPID(path)}
		}
		time.Sleep(wait)
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
	h := &Handle{store: s, taskID: taskID, dir: dir, lock: lock, log: log, size: scan.End, maxLog: maxLogSize}
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
