package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConcurrentAppend(t *testing.T) {
	s, _ := newStore(t, 0)
	h, err := s.Create(taskInfo("t1", 0))
	require.NoError(t, err)
	const writers, each = 8, 40
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				// Long texts make interleaved writes visible if they happened.
				m := message(fmt.Sprintf("w%d-%d", w, i), KindText, strings.Repeat("z", 1000+w*i))
				assert.NoError(t, h.Append(m))
			}
		})
	}
	wg.Wait()
	require.NoError(t, h.Close())

	_, msgs, err := s.Get("t1")
	require.NoError(t, err)
	require.Len(t, msgs, writers*each)
	seen := make(map[string]bool)
	for _, m := range msgs {
		seen[m.ID] = true
	}
	assert.Len(t, seen, writers*each)
}

func TestAppendRefusals(t *testing.T) {
	s, _ := newStore(t, 0)
	h, err := s.Create(taskInfo("t1", 0))
	require.NoError(t, err)
	defer h.Close()

	err = h.Append(Message{ID: "p", Kind: KindText, Text: "so far", Partial: true})
	assert.ErrorIs(t, err, ErrPartial)
	assert.ErrorContains(t, h.Append(Message{ID: "k"}), "without a kind")
	err = h.Append(Message{ID: "old", Kind: KindUser, TS: Time{time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)}})
	assert.ErrorContains(t, err, "out of range")
	err = h.Append(Message{ID: "big", Kind: KindText, Text: strings.Repeat("b", maxLineSize+1)})
	assert.ErrorContains(t, err, "more than the limit")
	// Within the limit before encoding, over it after.
	_, err = encodeMessage(Message{ID: "q", Kind: KindText, Text: strings.Repeat(`"`, 40)}, 64)
	assert.ErrorContains(t, err, "more than the limit")

	_, msgs, err := s.Get("t1")
	require.NoError(t, err)
	assert.Empty(t, msgs, "refused messages leave no trace")
	fi, err := os.Stat(filepath.Join(s.taskDir("t1"), logFile))
	require.NoError(t, err)
	assert.Zero(t, fi.Size())
}

func TestAppendLogFull(t *testing.T) {
	s, _ := newStore(t, 0)
	h, err := s.Create(taskInfo("t1", 0))
	require.NoError(t, err)
	defer h.Close()
	m := message("m1", KindUser, "hi")
	h.maxLog = int64(len(mustEncode(t, m))) // room for exactly one
	require.NoError(t, h.Append(m))
	assert.ErrorContains(t, h.Append(message("m2", KindUser, "hi")), "log is full")
	_, msgs, err := s.Get("t1")
	require.NoError(t, err)
	assert.Equal(t, []Message{m}, msgs)
}

func TestSaveInfo(t *testing.T) {
	s, _ := newStore(t, 0)
	h, err := s.Create(taskInfo("t1", 0))
	require.NoError(t, err)

	other := taskInfo("t2", 0)
	assert.ErrorContains(t, h.SaveInfo(other), "t2")
	bad := taskInfo("t1", 0)
	bad.Status = ""
	assert.ErrorContains(t, h.SaveInfo(bad), "invalid status")

	info := taskInfo("t1", 0)
	info.Status, info.Result, info.UpdatedAt = StatusCompleted, "done", at(5)
	require.NoError(t, h.SaveInfo(info))
	got, _, err := s.Get("t1")
	require.NoError(t, err)
	assert.Equal(t, info, got)

	// No temporary files are left behind.
	entries, err := os.ReadDir(s.taskDir("t1"))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{metaFile, logFile, lockFile}, names)

	require.NoError(t, h.Close())
	require.NoError(t, h.Close(), "Close is idempotent")
	assert.ErrorIs(t, h.SaveInfo(info), ErrClosed)
	assert.ErrorIs(t, h.Append(message("m", KindUser, "x")), ErrClosed)
}

func TestOpenTwiceInOneProcess(t *testing.T) {
	s, _ := newStore(t, 0)
	h, err := s.Create(taskInfo("t1", 0))
	require.NoError(t, err)

	_, _, _, err = s.Open("t1")
	require.ErrorIs(t, err, ErrLocked)
	var locked *LockedError
	require.ErrorAs(t, err, &locked)
	assert.Equal(t, os.Getpid(), locked.PID)
	assert.EqualError(t, err, fmt.Sprintf("task t1 is already open in this agentls process (pid %d)", os.Getpid()))

	// A task open here is alive: not reported interrupted.
	info, _, err := s.Get("t1")
	require.NoError(t, err)
	assert.Equal(t, StatusRunning, info.Status)

	require.NoError(t, h.Close())
	h2, _, _, err := s.Open("t1")
	require.NoError(t, err)
	require.NoError(t, h2.Close())
}

func TestFilePermissions(t *testing.T) {
	s, _ := newStore(t, 0)
	createTask(t, s, taskInfo("t1", 0), message("m1", KindUser, "secret"))
	dir := s.taskDir("t1")
	fi, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(dirPerm), fi.Mode().Perm())
	for _, name := range []string{metaFile, logFile, lockFile} {
		fi, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(filePerm), fi.Mode().Perm(), name)
	}
}
