package store

import (
	"bytes"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// logBuffer collects log output for assertions about warnings.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newStore opens a store in a fresh data directory; logs go to the
// returned buffer.
func newStore(t *testing.T, keep int) (*Store, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	s, err := Open(Options{
		Dir:    t.TempDir(),
		Root:   t.TempDir(),
		Keep:   keep,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s, logs
}

// at returns a fixed instant, minutes after a base time, at the stored
// millisecond precision.
func at(minutes int) Time {
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	return Time{base.Add(time.Duration(minutes) * time.Minute)}
}

func taskInfo(id string, minutes int) TaskInfo {
	return TaskInfo{
		TaskID:    id,
		Title:     "task " + id,
		Mode:      "code",
		Status:    StatusRunning,
		CreatedAt: at(minutes),
		UpdatedAt: at(minutes),
	}
}

func message(id, kind, text string) Message {
	return Message{ID: id, TS: at(1), Kind: kind, Text: text}
}

// createTask stores a closed task with the given messages and status.
func createTask(t *testing.T, s *Store, info TaskInfo, msgs ...Message) {
	t.Helper()
	h, err := s.Create(info)
	require.NoError(t, err)
	for _, m := range msgs {
		require.NoError(t, h.Append(m))
	}
	require.NoError(t, h.Close())
}
