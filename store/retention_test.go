package store

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetentionDeletesOldest(t *testing.T) {
	s, _ := newStore(t, 3)
	// t1 is the oldest but stays open: it must survive.
	open, err := s.Create(taskInfo("t1", 1))
	require.NoError(t, err)
	defer open.Close()
	for i := 2; i <= 6; i++ {
		info := taskInfo(fmt.Sprintf("t%d", i), i)
		info.Status = StatusCompleted
		createTask(t, s, info)
	}
	// A background task counts too.
	bg := taskInfo("bg", 7)
	bg.Background, bg.Status = true, StatusCompleted
	createTask(t, s, bg)

	entries, err := os.ReadDir(s.dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{"t1", "t6", "bg"}, names, "no trash left behind")
	_, _, err = s.Get("t2")
	assert.ErrorIs(t, err, ErrNotFound)
}

// A new task is never the one deleted, even if its clock says it is the
// oldest.
func TestRetentionKeepsNewTask(t *testing.T) {
	s, _ := newStore(t, 1)
	createTask(t, s, taskInfo("t1", 10))
	createTask(t, s, taskInfo("t2", 0))
	_, _, err := s.Get("t2")
	require.NoError(t, err)
	_, _, err = s.Get("t1")
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestTrashRemovedOnOpen(t *testing.T) {
	dir, root := t.TempDir(), t.TempDir()
	s, err := Open(Options{Dir: dir, Root: root})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	trash := s.taskDir(trashPrefix + "t1-0000")
	require.NoError(t, os.MkdirAll(trash, dirPerm))
	require.NoError(t, os.WriteFile(trash+"/"+metaFile, []byte("{}"), filePerm))

	s, err = Open(Options{Dir: dir, Root: root})
	require.NoError(t, err)
	defer s.Close()
	assert.NoDirExists(t, trash)
}
