package tools

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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
		// The watchdog prefix must leave the command's shell as it was.
		{name: "multi-line", input: map[string]any{"command": "echo a\necho b\n\nexit 4\necho never"}, want: "Exit code: 4\nOutput:\na\nb\n"},
		{name: "quotes", input: map[string]any{"command": `echo "it's" 'a "b"' \$x; x='1 2'; echo "$x"`}, want: "Exit code: 0\nOutput:\nit's a \"b\" $x\n1 2\n"},
		{name: "here-doc", input: map[string]any{"command": "cat <<'EOF'\n$HOME `x`\nEOF\ncat <<EOF\n$((1+2))\nEOF"}, want: "Exit code: 0\nOutput:\n$HOME `x`\n3\n"},
		{name: "plain shell state", input: map[string]any{"command": `echo "[$!] $# $*"; jobs`}, want: "Exit code: 0\nOutput:\n[] 0 \n"},
		{name: "no fd 3", input: map[string]any{"command": "if (: <&3) 2>/dev/null; then echo open; else echo closed; fi"}, want: "Exit code: 0\nOutput:\nclosed\n"},
		// A plain wait waits for the command's own jobs, not the watchdog.
		{name: "wait", input: map[string]any{"command": "echo a > x & echo b & wait; cat x", "timeout_seconds": 30}, has: []string{"Exit code: 0\n", "a\n", "b\n"}},
		{name: "syntax error", input: map[string]any{"command": "echo 1\nif then"}, has: []string{"Exit code: 2\n", "Output:\n1\n", "2: "}},
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

// TestExecuteCommandLeavesNothing checks that once the tool returns, no
// process of the command's group is left, the watchdog included.
func TestExecuteCommandLeavesNothing(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	ws := newTestWorkspace(t, nil)
	pidFile := filepath.Join(t.TempDir(), "pid")
	got, err := run(t, ws, "execute_command", map[string]any{"command": "echo $$ > " + pidFile + "; echo done"})
	require.NoError(t, err)
	assert.Equal(t, "Exit code: 0\nOutput:\ndone\n", got)
	pgid := waitForPid(t, pidFile)
	assert.Eventually(t, func() bool {
		left, err := proctest.GroupMembers(pgid)
		return assert.NoError(t, err) && len(left) == 0
	}, 10*time.Second, 10*time.Millisecond,
		"the command's group %d is empty", pgid)
}

// TestCommandWatchdog runs the watchdog script the way runCommand does and
// closes the pipe's writer, as the kernel does when agentls dies: the
// watchdog must kill the whole group, grandchildren included, which
// Pdeathsig alone would leave running.
func TestCommandWatchdog(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer w.Close()
	// The outer shell waits on the foreground sh, whose child is the sleep.
	cmd := exec.Command("/bin/sh", "-c", watchdogScript+"sh -c 'echo $$ > "+pidFile+".tmp && mv "+pidFile+".tmp "+pidFile+"; exec sleep 60'; echo never")
	cmd.ExtraFiles = []*os.File{r}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start())
	r.Close()
	pid := waitForPid(t, pidFile)
	require.False(t, proctest.Gone(pid), "the grandchild runs")
	require.NoError(t, w.Close())
	gone := proctest.WaitGone(pid, 10*time.Second)
	if !gone {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	err = cmd.Wait()
	assert.True(t, gone, "the grandchild was killed")
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "the shell was killed")
	assert.Equal(t, -1, ee.ExitCode(), "killed by a signal: %v", err)
}
