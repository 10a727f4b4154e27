package store

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A process killed while its task works leaves the metadata saying so and
// the lock free (the kernel drops it). Closing the handle without saving a
// final status leaves exactly that state.
func crashWith(t *testing.T, s *Store, info TaskInfo, msgs ...Message) {
	t.Helper()
	require.False(t, info.Status.Final())
	createTask(t, s, info, msgs...)
}

func TestInterruptedTaskReportedCancelled(t *testing.T) {
	for _, status := range []Status{StatusQueued, StatusRunning, StatusWaiting, StatusPaused} {
		t.Run(string(status), func(t *testing.T) {
			s, _ := newStore(t, 0)
			info := taskInfo("t1", 0)
			info.Status = status
			m1 := message("m1", KindUser, "do it")
			crashWith(t, s, info, m1)

			list, err := s.List()
			require.NoError(t, err)
			require.Len(t, list, 1)
			assert.Equal(t, StatusCancelled, list[0].Status)
			assert.Contains(t, list[0].Error, "interrupted")
			assert.Equal(t, info.CreatedAt, list[0].CreatedAt)

			got, msgs, err := s.Get("t1")
			require.NoError(t, err)
			assert.Equal(t, StatusCancelled, got.Status)
			assert.Equal(t, interruptedError, got.Error)
			assert.Equal(t, []Message{m1}, msgs, "no completed message is lost")

			// The correction was saved on disk.
			stored, err := readMeta(s.taskDir("t1"))
			require.NoError(t, err)
			assert.Equal(t, StatusCancelled, stored.Status)
			assert.Equal(t, interruptedError, stored.Error)
		})
	}
}

func TestInterruptedTaskOpened(t *testing.T) {
	s, _ := newStore(t, 0)
	m1 := message("m1", KindUser, "do it")
	crashWith(t, s, taskInfo("t1", 0), m1)

	// Open is the first to look at it.
	h, info, msgs, err := s.Open("t1")
	require.NoError(t, err)
	defer h.Close()
	assert.Equal(t, StatusCancelled, info.Status)
	assert.Equal(t, interruptedError, info.Error)
	assert.Equal(t, []Message{m1}, msgs)
	stored, err := readMeta(s.taskDir("t1"))
	require.NoError(t, err)
	assert.Equal(t, StatusCancelled, stored.Status)
}

// A crash between writing the metadata and creating the lock file, or a
// data directory copied without it, still recovers.
func TestInterruptedWithoutLockFile(t *testing.T) {
	s, _ := newStore(t, 0)
	dir := s.taskDir("t1")
	require.NoError(t, os.Mkdir(dir, dirPerm))
	b, err := json.Marshal(taskInfo("t1", 0))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, metaFile), b, filePerm))

	got, msgs, err := s.Get("t1")
	require.NoError(t, err)
	assert.Equal(t, StatusCancelled, got.Status)
	assert.Empty(t, msgs)
}

func TestFinalTaskUntouched(t *testing.T) {
	s, _ := newStore(t, 0)
	info := taskInfo("t1", 0)
	info.Status, info.Error = StatusFailed, "model error"
	createTask(t, s, info)
	got, _, err := s.Get("t1")
	require.NoError(t, err)
	assert.Equal(t, info, got)
	h, got, _, err := s.Open("t1")
	require.NoError(t, err)
	require.NoError(t, h.Close())
	assert.Equal(t, info, got)
}

// A read-only data directory (another user's, say) is still listed; the
// correction just is not saved.
func TestInterruptedReadOnly(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores file permissions")
	}
	s, _ := newStore(t, 0)
	crashWith(t, s, taskInfo("t1", 0))
	dir := s.taskDir("t1")
	require.NoError(t, os.Chmod(dir, 0o500))
	t.Cleanup(func() { os.Chmod(dir, dirPerm) })

	list, err := s.List()
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, StatusCancelled, list[0].Status)
	stored, err := readMeta(dir)
	require.NoError(t, err)
	assert.Equal(t, StatusRunning, stored.Status)
}
