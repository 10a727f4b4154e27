package tools

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/internal/proctest"
)

func TestExecuteCommand(t *testing.T) {
	ws := newTestWorkspace(t, map[string]string{"sub/f.txt": "hi\n"})
	require.NoError(t, os.Symlink(t.TempDir(), filepath.Join(ws.Root(), "out")))
	tests := []struct {
		name    string
		input   map[string]any
		want    string
		has     []string
		errPart string
	}{
		{name: "ok", input: map[string]any{"command": "echo hello"}, want: "Exit code: 0\nOutput:\nhello\n"},
		{name: "stderr and code", input: map[string]any{"command": "echo out; echo err >&2; exit 3"}, has: []string{"Exit code: 3\n", "out\n", "err\n"}},
		{name: "no output", input: map[string]any{"command": "true"}, want: "Exit code: 0\n(no output)\n"},
		{name: "cwd", input: map[string]any{"command": "cat f.txt", "cwd": "sub"}, want: "Exit code: 0\nOutput:\nhi\n"},
		{name: "root by default", input: map[string]any{"command": "ls"}, has: []string{"sub\n"}},
		{name: "signal", input: map[string]any{"command": "kill -9 $$"}, has: []string{"killed by a signal"}},
		{name: "timeout", input: map[string]any{"command": "echo started; exec sleep 60", "timeout_seconds": 0.2}, has: []string{"timed out after 200ms", "started"}},
		{name: "cap", input: map[string]any{"command": "yes 0123456789 | head -c 300000; echo; echo END"}, has: []string{"Exit code: 0", "of output left out", "END\n"}},
		{name: "empty", input: map[string]any{"command": "  "}, errPart: "command is empty"},
		{name: "missing", input: map[string]any{}, errPart: `missing required field "command"`},
		{name: "bad timeout", input: map[string]any{"command": "true", "timeout_seconds": -1}, errPart: "timeout_seconds must be"},
		{name: "huge timeout", input: map[string]any{"command": "true", "timeout_seconds": 1e9}, errPart: "timeout_seconds must be"},
		{name: "cwd outside", input: map[string]any{"command": "true", "cwd": ".."}, errPart: "outside the workspace"},
		{name: "cwd symlink out", input: map[string]any{"command": "true", "cwd": "out"}, errPart: "symbolic link"},
		{name: "cwd file", input: map[string]any{"command": "true", "cwd": "sub/f.txt"}, errPart: "is a file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := run(t, ws, "execute_command", tt.input)
			if tt.errPart != "" {
				require.Error(t, err)
				assert.ErrorContains(t, err, tt.errPart)
				return
			}
			require.NoError(t, err)
			if tt.want != "" {
				assert.Equal(t, tt.want, got)
			}
			for _, s := range tt.has {
				assert.Contains(t, got, s)
			}
			assert.LessOrEqual(t, len(got), commandOutputCap+200)
		})
	}
}

// startGrandchild runs a command that starts a background sleep, writes
// its pid to a file and waits; it returns once the pid is known.
func grandchildCommand(dir string) (string, string) {
	pidFile := filepath.Join(dir, "pid")
	return "sleep 60 & echo $! > " + pidFile + ".tmp && mv " + pidFile + ".tmp " + pidFile + "; wait", pidFile
}

func TestExecuteCommandCancelKillsGroup(t *testing.T) {
	ws := newTestWorkspace(t, nil)
	command, pidFile := grandchildCommand(t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := executeCommandTool().Run(ctx, ws, []byte(`{"command":`+strconv.Quote(command)+`}`))
		done <- err
	}()
	pid := waitForPid(t, pidFile)
	require.False(t, proctest.Gone(pid), "the sleep runs")
	cancel()
	err := <-done
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cancelled")
	assert.Eventually(t, func() bool { return proctest.Gone(pid) }, 10*time.Second, 10*time.Millisecond, "the grandchild was killed")
}

func TestExecuteCommandTimeoutKillsGroup(t *testing.T) {
	ws := newTestWorkspace(t, nil)
	command, pidFile := grandchildCommand(t.TempDir())
	got, err := run(t, ws, "execute_command", map[string]any{"command": command, "timeout_seconds": 0.5})
	require.NoError(t, err)
	assert.Contains(t, got, "timed out")
	pid := waitForPid(t, pidFile)
	assert.Eventually(t, func() bool { return proctest.Gone(pid) }, 10*time.Second, 10*time.Millisecond, "the grandchild was killed")
}

// TestExecuteCommandLeftoverKilled checks that a background process the
// command leaves behind holding the output does not hang the tool.
func TestExecuteCommandLeftoverKilled(t *testing.T) {
	ws := newTestWorkspace(t, nil)
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	got, err := run(t, ws, "execute_command", map[string]any{"command": "sleep 60 & echo $! > " + pidFile + "; echo done"})
	require.NoError(t, err)
	assert.Contains(t, got, "Exit code: 0")
	assert.Contains(t, got, "done")
	pid := waitForPid(t, pidFile)
	assert.Eventually(t, func() bool { return proctest.Gone(pid) }, 10*time.Second, 10*time.Millisecond)
}

func waitForPid(t *testing.T, pidFile string) int {
	t.Helper()
	var pid int
	require.Eventually(t, func() bool {
		data, err := os.ReadFile(pidFile)
		if err != nil {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(data)))
		return err == nil
	}, 10*time.Second, 5*time.Millisecond)
	return pid
}

func TestHeadTail(t *testing.T) {
	h := newHeadTail(8)
	for _, s := range []string{"ab", "cd", "efgh", "ijklmnop", "q"} {
		n, err := h.Write([]byte(s))
		require.NoError(t, err)
		assert.Equal(t, len(s), n)
	}
	assert.Equal(t, "abcd\n[... 9 bytes of output left out ...]\nnopq", h.String())

	h = newHeadTail(8)
	h.Write([]byte("abc"))
	assert.Equal(t, "abc", h.String())
}
