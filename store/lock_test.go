package store

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Environment of the helper process that holds a task open.
const (
	helperEnv     = "AGENTLS_STORE_LOCK_HELPER"
	helperDirEnv  = "AGENTLS_STORE_DIR"
	helperRootEnv = "AGENTLS_STORE_ROOT"
	helperTaskEnv = "AGENTLS_STORE_TASK"
	helperReady   = "holding the task"
)

// TestHelperHoldTask is not a test: TestLockAcrossProcesses runs the test
// binary again with only this test, as a second agentls process. It opens
// the task, marks it running, appends a message, says so on stdout, and
// holds the task until stdin closes or it is killed.
func TestHelperHoldTask(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for TestLockAcrossProcesses")
	}
	s, err := Open(Options{Dir: os.Getenv(helperDirEnv), Root: os.Getenv(helperRootEnv)})
	require.NoError(t, err)
	defer s.Close()
	h, info, _, err := s.Open(os.Getenv(helperTaskEnv))
	require.NoError(t, err)
	info.Status = StatusRunning
	require.NoError(t, h.SaveInfo(info))
	require.NoError(t, h.Append(message("from-child", KindText, "working")))
	fmt.Println(helperReady)
	io.Copy(io.Discard, os.Stdin)
}

func TestLockAcrossProcesses(t *testing.T) {
	dir, root := t.TempDir(), t.TempDir()
	s, err := Open(Options{Dir: dir, Root: root})
	require.NoError(t, err)
	defer s.Close()
	m1 := message("m1", KindUser, "start")
	info := taskInfo("t1", 0)
	info.Status = StatusCompleted
	createTask(t, s, info, m1)

	child := exec.Command(os.Args[0], "-test.run=^TestHelperHoldTask$", "-test.count=1")
	child.Env = append(os.Environ(),
		helperEnv+"=1", helperDirEnv+"="+dir, helperRootEnv+"="+root, helperTaskEnv+"=t1")
	child.Stderr = os.Stderr
	stdin, err := child.StdinPipe()
	require.NoError(t, err)
	defer stdin.Close()
	stdout, err := child.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, child.Start())
	exited := false
	defer func() {
		if !exited {
			child.Process.Kill()
			child.Wait()
		}
	}()
	waitForLine(t, stdout, helperReady)

	// The child holds the task: opening it here fails, naming the child.
	_, _, _, err = s.Open("t1")
	require.ErrorIs(t, err, ErrLocked)
	var locked *LockedError
	require.ErrorAs(t, err, &locked)
	assert.Equal(t, child.Process.Pid, locked.PID)
	assert.EqualError(t, err, fmt.Sprintf("task t1 is open in another agentls process (pid %d)", child.Process.Pid))

	// Reading needs no lock and sees the child's work as live.
	got, msgs, err := s.Get("t1")
	require.NoError(t, err)
	assert.Equal(t, StatusRunning, got.Status)
	assert.Empty(t, got.Error)
	require.Len(t, msgs, 2)
	assert.Equal(t, "from-child", msgs[1].ID)
	list, err := s.List()
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, StatusRunning, list[0].Status)

	// kill -9: the kernel releases the lock and the task is interrupted.
	require.NoError(t, child.Process.Kill())
	_ = child.Wait()
	exited = true

	h, got, msgs, err := s.Open("t1")
	require.NoError(t, err)
	defer h.Close()
	assert.Equal(t, StatusCancelled, got.Status)
	assert.Equal(t, interruptedError, got.Error)
	require.Len(t, msgs, 2, "no completed message is lost")
	assert.Equal(t, m1, msgs[0])
	require.NoError(t, h.Append(message("m3", KindUser, "go on")))
}

// waitForLine reads stdout until a line equal to want; a child that dies
// first closes stdout, which fails the test instead of hanging it.
func waitForLine(t *testing.T, r io.Reader, want string) {
	t.Helper()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if sc.Text() == want {
			return
		}
	}
	t.Fatalf("helper process ended before saying %q (err %v)", want, sc.Err())
}
