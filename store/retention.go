package store

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// enforceRetention deletes the oldest tasks (by CreatedAt) beyond the
// store's Keep, skipping any that is open in some process and the task
// just created. Failures are logged: retention never fails a Create.
func (s *Store) enforceRetention(justCreated string) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		s.logger.Warn("cannot apply task retention", "err", err)
		return
	}
	type aged struct {
		id      string
		created time.Time
	}
	tasks := make([]aged, 0, len(entries))
	for _, e := range entries {
		if e.IsDir() && checkTaskID(e.Name()) == nil {
			tasks = append(tasks, aged{id: e.Name()})
		}
	}
	excess := len(tasks) - s.keep
	if excess <= 0 {
		return
	}
	for i := range tasks {
		info, err := readMeta(s.taskDir(tasks[i].id))
		if err == nil {
			tasks[i].created = info.CreatedAt.Time
			continue
		}
		// A damaged or unfinished entry ages by its directory's time, so
		// it too is removed once old, yet never while being created.
		if fi, err := os.Stat(s.taskDir(tasks[i].id)); err == nil {
			tasks[i].created = fi.ModTime()
		}
	}
	slices.SortFunc(tasks, func(a, b aged) int {
		if c := a.created.Compare(b.created); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	for _, t := range tasks {
		if excess == 0 {
			break
		}
		if t.id == justCreated {
			continue
		}
		if s.removeTask(t.id) {
			excess--
		}
	}
}

// removeTask deletes a task unless it is open. The directory is first
// renamed out of sight under the task's lock, so readers see the task
// either whole or not at all and an Open waiting for the lock finds it gone.
func (s *Store) removeTask(taskID string) bool {
	dir := s.taskDir(taskID)
	lock, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, filePerm)
	if err != nil {
		s.logger.Warn("cannot delete an old task", "task", taskID, "err", err)
		return false
	}
	ok, err := tryLock(lock, lockExclusive)
	if !ok {
		lock.Close()
		if err != nil {
			s.logger.Warn("cannot delete an old task", "task", taskID, "err", err)
		}
		return false
	}
	var suffix [4]byte
	rand.Read(suffix[:])
	trash := filepath.Join(s.dir, trashPrefix+taskID+"-"+hex.EncodeToString(suffix[:]))
	err = os.Rename(dir, trash)
	lock.Close()
	if err != nil {
		s.logger.Warn("cannot delete an old task", "task", taskID, "err", err)
		return false
	}
	if err := os.RemoveAll(trash); err != nil {
		s.logger.Warn("cannot delete an old task", "task", taskID, "err", err)
	}
	s.logger.Debug("deleted an old task", "task", taskID)
	return true
}
