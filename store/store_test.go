package store

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRoundTrip(t *testing.T) {
	s, _ := newStore(t, 0)
	info := taskInfo("t1", 0)
	h, err := s.Create(info)
	require.NoError(t, err)
	msgs := []Message{
		message("m1", KindUser, "fix the bug"),
		{ID: "m2", TS: at(2), Kind: KindText, Text: "Looking.\nDone", Turn: 1},
		{ID: "m3", TS: at(3), Kind: KindTool, Name: "read", Input: map[string]any{"path": "a.go"},
			Status: ToolDone, Output: "package a", Turn: 1, CallID: "call_1"},
		{ID: "m4", TS: at(4), Kind: KindQuestion, Text: "Which one?", Suggestions: []string{"a", "b"}},
	}
	for _, m := range msgs {
		require.NoError(t, h.Append(m))
	}
	info.Status = StatusCompleted
	info.Result = "fixed"
	info.Usage = &Usage{InputTokens: 10, OutputTokens: 5}
	require.NoError(t, h.SaveInfo(info))

	gotInfo, gotMsgs, err := s.Get("t1")
	require.NoError(t, err)
	assert.Equal(t, info, gotInfo)
	assert.Equal(t, msgs, gotMsgs)

	list, err := s.List()
	require.NoError(t, err)
	assert.Equal(t, []TaskInfo{info}, list)

	// Reopening after Close continues the same log.
	require.NoError(t, h.Close())
	h2, info2, msgs2, err := s.Open("t1")
	require.NoError(t, err)
	assert.Equal(t, info, info2)
	assert.Equal(t, msgs, msgs2)
	extra := message("m5", KindUser, "and the other one")
	require.NoError(t, h2.Append(extra))
	require.NoError(t, h2.Close())
	_, gotMsgs, err = s.Get("t1")
	require.NoError(t, err)
	assert.Equal(t, append(msgs, extra), gotMsgs)
}

func TestCreateFillsTimes(t *testing.T) {
	s, _ := newStore(t, 0)
	createTask(t, s, TaskInfo{TaskID: "t1", Status: StatusCompleted})
	info, msgs, err := s.Get("t1")
	require.NoError(t, err)
	assert.False(t, info.CreatedAt.IsZero())
	assert.Equal(t, info.CreatedAt, info.UpdatedAt)
	assert.Empty(t, msgs)
	assert.NotNil(t, msgs, "an empty conversation is [] on the wire, not null")
}

func TestListNewestFirstWithoutBackground(t *testing.T) {
	s, _ := newStore(t, 0)
	for i, id := range []string{"b", "c", "a"} { // ids out of time order
		info := taskInfo(id, i)
		info.Status = StatusCompleted
		createTask(t, s, info)
	}
	bg := taskInfo("bg", 10)
	bg.Background, bg.ParentID, bg.Status = true, "a", StatusCompleted
	createTask(t, s, bg)

	list, err := s.List()
	require.NoError(t, err)
	var ids []string
	for _, info := range list {
		ids = append(ids, info.TaskID)
	}
	assert.Equal(t, []string{"a", "c", "b"}, ids)

	// Get still answers for a background task.
	got, _, err := s.Get("bg")
	require.NoError(t, err)
	assert.True(t, got.Background)
}

func TestWorkspacesAreSeparate(t *testing.T) {
	dir := t.TempDir()
	s1, err := Open(Options{Dir: dir, Root: "/work/one"})
	require.NoError(t, err)
	defer s1.Close()
	s2, err := Open(Options{Dir: dir, Root: "/work/two/"})
	require.NoError(t, err)
	defer s2.Close()
	createTask(t, s1, taskInfo("t1", 0))

	list, err := s2.List()
	require.NoError(t, err)
	assert.Empty(t, list)
	_, _, err = s2.Get("t1")
	assert.ErrorIs(t, err, ErrNotFound)

	// The same root, spelled differently, is the same workspace.
	s3, err := Open(Options{Dir: dir, Root: "/work/one/./"})
	require.NoError(t, err)
	defer s3.Close()
	list, err = s3.List()
	require.NoError(t, err)
	assert.Len(t, list, 1)

	roots, err := filepath.Glob(filepath.Join(dir, workspacesDir, "*", rootFile))
	require.NoError(t, err)
	var names []string
	for _, r := range roots {
		b, err := os.ReadFile(r)
		require.NoError(t, err)
		names = append(names, string(b))
	}
	assert.ElementsMatch(t, []string{"/work/one\n", "/work/two\n"}, names)
}

func TestNotFound(t *testing.T) {
	s, _ := newStore(t, 0)
	for _, id := range []string{"nope", "", "../x", ".trash-x", "a/b"} {
		_, _, err := s.Get(id)
		assert.ErrorIs(t, err, ErrNotFound, id)
		_, _, _, err = s.Open(id)
		assert.ErrorIs(t, err, ErrNotFound, id)
	}
	_, _, err := s.Get("nope")
	assert.EqualError(t, err, "no such task: nope")
}

func TestOptionsValidation(t *testing.T) {
	_, err := Open(Options{Dir: t.TempDir(), Root: "relative/path"})
	assert.ErrorContains(t, err, "not an absolute path")
	_, err = Open(Options{Dir: t.TempDir()})
	assert.ErrorContains(t, err, "not an absolute path")
	_, err = Open(Options{Dir: t.TempDir(), Root: "/w", Keep: -1})
	assert.ErrorContains(t, err, "keep")
}

func TestCreateRejectsBadInfo(t *testing.T) {
	s, _ := newStore(t, 0)
	_, err := s.Create(TaskInfo{TaskID: "../escape", Status: StatusRunning})
	assert.ErrorContains(t, err, "invalid task id")
	_, err = s.Create(TaskInfo{TaskID: "t1", Status: "bogus"})
	assert.ErrorContains(t, err, "invalid status")

	createTask(t, s, taskInfo("t1", 0))
	_, err = s.Create(taskInfo("t1", 1))
	assert.ErrorContains(t, err, "already exists")
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/xdg/data")
	d, err := DefaultDir()
	require.NoError(t, err)
	assert.Equal(t, "/xdg/data/agentls", d)

	t.Setenv("XDG_DATA_HOME", "relative") // invalid per the XDG spec: ignored
	t.Setenv("HOME", "/home/someone")
	d, err = DefaultDir()
	require.NoError(t, err)
	assert.Equal(t, "/home/someone/.local/share/agentls", d)
}

func TestClosedStore(t *testing.T) {
	s, err := Open(Options{Dir: t.TempDir(), Root: "/w"})
	require.NoError(t, err)
	h, err := s.Create(taskInfo("t1", 0))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	// Closing the store closed the handle and released its lock.
	assert.ErrorIs(t, h.Append(message("m1", KindUser, "hi")), ErrClosed)
	require.NoError(t, h.Close())
	_, err = s.List()
	assert.ErrorIs(t, err, ErrClosed)
	_, err = s.Create(taskInfo("t2", 0))
	assert.ErrorIs(t, err, ErrClosed)
}
