package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// interruptedError is the Error of a task whose process stopped while the
// task was still working.
const interruptedError = "interrupted: the agentls process that ran this task stopped before it finished"

// maxMetaSize bounds a task's metadata file; a larger one is damaged.
const maxMetaSize = 4 << 20

// errDamaged marks metadata that exists but cannot be used.
var errDamaged = errors.New("damaged task metadata")

// readMeta loads the metadata of the task in dir. A missing file is
// reported as os.ErrNotExist, a broken one as errDamaged.
func readMeta(dir string) (TaskInfo, error) {
	b, err := readFileLimit(filepath.Join(dir, metaFile), maxMetaSize)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return TaskInfo{}, err
		}
		return TaskInfo{}, fmt.Errorf("%w: %v", errDamaged, err)
	}
	var info TaskInfo
	if err := json.Unmarshal(b, &info); err != nil {
		return TaskInfo{}, fmt.Errorf("%w: %s: %v", errDamaged, filepath.Join(dir, metaFile), err)
	}
	if info.TaskID != filepath.Base(dir) {
		return TaskInfo{}, fmt.Errorf("%w: %s names task %q", errDamaged, filepath.Join(dir, metaFile), info.TaskID)
	}
	if !validStatus(info.Status) {
		return TaskInfo{}, fmt.Errorf("%w: %s: unknown status %q", errDamaged, filepath.Join(dir, metaFile), info.Status)
	}
	return info, nil
}

// writeMeta atomically replaces the metadata of the task in dir.
func writeMeta(dir string, info TaskInfo) error {
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return fmt.Errorf("encode task %s: %w", info.TaskID, err)
	}
	if len(b) > maxMetaSize {
		return fmt.Errorf("task %s: metadata is larger than %d bytes", info.TaskID, maxMetaSize)
	}
	if err := writeFileAtomic(filepath.Join(dir, metaFile), append(b, '\n')); err != nil {
		return fmt.Errorf("save task %s: %w", info.TaskID, err)
	}
	return nil
}

// checkInfo validates a TaskInfo given by a caller.
func checkInfo(info TaskInfo) error {
	if err := checkTaskID(info.TaskID); err != nil {
		return err
	}
	if !validStatus(info.Status) {
		return fmt.Errorf("task %s: invalid status %q", info.TaskID, info.Status)
	}
	return nil
}

func validStatus(s Status) bool {
	switch s {
	case StatusQueued, StatusRunning, StatusWaiting, StatusPaused,
		StatusCompleted, StatusFailed, StatusTimedOut, StatusCancelled:
		return true
	}
	return false
}

// maxTaskIDLen bounds task ids, which name directories.
const maxTaskIDLen = 128

// checkTaskID accepts ids that are safe as a single path element: letters,
// digits, '-', '_' and '.', not starting with '.', at most 128 bytes.
func checkTaskID(id string) error {
	if id == "" {
		return errors.New("empty task id")
	}
	if len(id) > maxTaskIDLen {
		return fmt.Errorf("task id %.20q... is longer than %d bytes", id, maxTaskIDLen)
	}
	if id[0] == '.' {
		return fmt.Errorf("invalid task id %q: starts with '.'", id)
	}
	for _, c := range []byte(id) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.'
		if !ok {
			return fmt.Errorf("invalid task id %q: only letters, digits, '-', '_' and '.' are allowed", id)
		}
	}
	return nil
}

// markInterrupted turns the record of a task whose process died while it
// was working into a cancelled one that says so.
func markInterrupted(info TaskInfo) TaskInfo {
	info.Status = StatusCancelled
	info.Error = interruptedError
	info.UpdatedAt = Now()
	return info
}
