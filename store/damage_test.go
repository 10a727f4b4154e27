package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func appendRaw(t *testing.T, path, data string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.WriteString(data)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

func TestTornLastLineSkipped(t *testing.T) {
	s, logs := newStore(t, 0)
	m1, m2 := message("m1", KindUser, "one"), message("m2", KindText, "two")
	info := taskInfo("t1", 0)
	info.Status = StatusCompleted
	createTask(t, s, info, m1, m2)
	logPath := filepath.Join(s.taskDir("t1"), logFile)
	appendRaw(t, logPath, `{"id":"m3","kind":"te`) // a crash in the middle of a write

	_, msgs, err := s.Get("t1")
	require.NoError(t, err)
	assert.Equal(t, []Message{m1, m2}, msgs)
	// Even a complete JSON object is not a message until its newline is
	// written: it may still be in progress.
	require.NoError(t, os.Truncate(logPath, int64(len(mustEncode(t, m1))+len(mustEncode(t, m2)))))
	appendRaw(t, logPath, strings.TrimSuffix(string(mustEncode(t, message("m3", KindText, "x"))), "\n"))
	_, msgs, err = s.Get("t1")
	require.NoError(t, err)
	assert.Equal(t, []Message{m1, m2}, msgs)

	// Open cuts the torn tail off, so the next message starts a fresh line.
	h, _, msgs, err := s.Open("t1")
	require.NoError(t, err)
	assert.Equal(t, []Message{m1, m2}, msgs)
	m4 := message("m4", KindUser, "four")
	require.NoError(t, h.Append(m4))
	require.NoError(t, h.Close())
	_, msgs, err = s.Get("t1")
	require.NoError(t, err)
	assert.Equal(t, []Message{m1, m2, m4}, msgs)
	assert.Contains(t, logs.String(), "cutting off a torn last line")
}

func mustEncode(t *testing.T, m Message) []byte {
	t.Helper()
	b, err := encodeMessage(m, maxLineSize)
	require.NoError(t, err)
	return b
}

func TestGarbageLinesSkipped(t *testing.T) {
	s, logs := newStore(t, 0)
	m1, m2 := message("m1", KindUser, "one"), message("m2", KindText, "two")
	info := taskInfo("t1", 0)
	info.Status = StatusCompleted
	h, err := s.Create(info)
	require.NoError(t, err)
	require.NoError(t, h.Append(m1))
	logPath := filepath.Join(s.taskDir("t1"), logFile)
	appendRaw(t, logPath, "\x00\x01garbage\n{\"id\":\"x\",\"kind\":\n\n[1,2]\n{\"id\":\"nokind\"}\n{\"id\":\"p\",\"kind\":\"text\",\"partial\":true}\n")
	require.NoError(t, h.Append(m2))
	require.NoError(t, h.Close())

	_, msgs, err := s.Get("t1")
	require.NoError(t, err)
	assert.Equal(t, []Message{m1, m2}, msgs)
	for _, want := range []string{"line=2", "line=3", "line=5", "line=6", "line=7"} {
		assert.Contains(t, logs.String(), want)
	}
	assert.NotContains(t, logs.String(), "line=4", "a blank line is not a warning")

	_, _, msgs, err = s.Open("t1")
	require.NoError(t, err)
	assert.Equal(t, []Message{m1, m2}, msgs)
}

func TestDamagedMetaSkipped(t *testing.T) {
	s, logs := newStore(t, 0)
	for i, id := range []string{"good1", "garbage", "wrongid", "badstatus", "huge", "good2"} {
		info := taskInfo(id, i)
		info.Status = StatusCompleted
		createTask(t, s, info)
	}
	metaOf := func(id string) string { return filepath.Join(s.taskDir(id), metaFile) }
	require.NoError(t, os.WriteFile(metaOf("garbage"), []byte("{not json"), filePerm))
	require.NoError(t, os.WriteFile(metaOf("wrongid"), []byte(`{"taskId":"other","status":"completed"}`), filePerm))
	require.NoError(t, os.WriteFile(metaOf("badstatus"), []byte(`{"taskId":"badstatus","status":"exploded"}`), filePerm))
	require.NoError(t, os.WriteFile(metaOf("huge"), make([]byte, maxMetaSize+1), filePerm))
	// A directory without metadata is a task being created: not listed.
	require.NoError(t, os.Mkdir(s.taskDir("creating"), dirPerm))
	// Stray files are ignored.
	require.NoError(t, os.WriteFile(filepath.Join(s.dir, "README"), []byte("hi"), filePerm))

	list, err := s.List()
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "good2", list[0].TaskID)
	assert.Equal(t, "good1", list[1].TaskID)
	for _, id := range []string{"garbage", "wrongid", "badstatus", "huge"} {
		assert.Contains(t, logs.String(), "task="+id)
		_, _, err := s.Get(id)
		require.Error(t, err)
		assert.ErrorContains(t, err, id)
		assert.NotErrorIs(t, err, ErrNotFound)
		_, _, _, err = s.Open(id)
		assert.ErrorContains(t, err, "damaged")
	}
	assert.NotContains(t, logs.String(), "task=creating")
	_, _, err = s.Get("creating")
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestMissingLogIsEmpty(t *testing.T) {
	s, _ := newStore(t, 0)
	info := taskInfo("t1", 0)
	info.Status = StatusCompleted
	createTask(t, s, info)
	require.NoError(t, os.Remove(filepath.Join(s.taskDir("t1"), logFile)))
	_, msgs, err := s.Get("t1")
	require.NoError(t, err)
	assert.Empty(t, msgs)
	h, _, msgs, err := s.Open("t1")
	require.NoError(t, err)
	assert.Empty(t, msgs)
	require.NoError(t, h.Append(message("m1", KindUser, "hi")))
	require.NoError(t, h.Close())
}

func TestOversizeLineSkipped(t *testing.T) {
	long := `{"id":"big","kind":"text","text":"` + strings.Repeat("x", 100) + "\"}\n"
	data := `{"id":"a","kind":"user"}` + "\n" + long + `{"id":"b","kind":"user"}` + "\n"
	var warnings []string
	scan, err := loadMessages(strings.NewReader(data), 64, func(line int, reason string) {
		warnings = append(warnings, reason)
	})
	require.NoError(t, err)
	require.Len(t, scan.Messages, 2)
	assert.Equal(t, "a", scan.Messages[0].ID)
	assert.Equal(t, "b", scan.Messages[1].ID)
	assert.Equal(t, int64(len(data)), scan.End)
	require.Len(t, warnings, 1)
	assert.Contains(t, warnings[0], "longer than the limit")

	// Lines longer than the read buffer but within the limit load fine.
	text := strings.Repeat("y", 200<<10)
	b, err := encodeMessage(Message{ID: "c", Kind: KindText, Text: text}, maxLineSize)
	require.NoError(t, err)
	scan, err = loadMessages(strings.NewReader(string(b)), maxLineSize, func(int, string) { t.Fail() })
	require.NoError(t, err)
	require.Len(t, scan.Messages, 1)
	assert.Equal(t, text, scan.Messages[0].Text)
}
