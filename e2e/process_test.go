package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
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

// testTimeout bounds every wait of a test, so that a broken server fails
// the test instead of hanging it. It is generous: the machine may be busy
// with other packages' tests under -race.
const testTimeout = 30 * time.Second

// stopBound bounds how long a test waits for the process to end after it
// has been told to (EOF, signal, exit). The contract's 2 s is checked by the
// server's own watchdog: it logs graceMessage and exits 1 when its tasks
// do not stop in time, which the tests look for instead of timing the
// exit here, where a loaded machine would make the check flaky.
const stopBound = 10 * time.Second

// graceMessage is what main.go logs when the session did not end within
// its 2 s grace.
const graceMessage = "tasks did not stop in time"

// markVar is set, with a value unique to one process, in the environment of
// every spawned server. Every process the server starts inherits it, so a
// scan of /proc for the value finds its descendants even after they have
// been re-parented: that is how orphans are found.
const markVar = "AGENTLS_E2E_MARK"

// workspace is a workspace root and a data directory shared by the
// processes of one test.
type workspace struct {
	root string
	data string
}

func newWorkspace(t *testing.T, files map[string]string) *workspace {
	t.Helper()
	ws := &workspace{root: t.TempDir(), data: t.TempDir()}
	for name, content := range files {
		ws.write(t, name, content)
	}
	return ws
}

func (ws *workspace) write(t *testing.T, name, content string) {
	t.Helper()
	p := filepath.Join(ws.root, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
}

func (ws *workspace) path(name string) string { return filepath.Join(ws.root, name) }

// proc is one spawned agentls process. The test's ends of the pipes are
// plain *os.File pipes, not exec's StdinPipe/StdoutPipe, so that Wait does
// not close them under a reader that has not yet read everything the
// server wrote before it exited.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	pid    int
	stdin  *os.File // write end of the server's stdin
	stdout *os.File // read end of the server's stdout
	stderr string   // file holding the server's log
	mark   string

	exited chan struct{} // closed once the process has been waited for
	state  *os.ProcessState
}

// spawn starts agentls --stdio in the workspace. Cleanup makes sure it has
// ended (closing stdin, then SIGKILL after stopBound), reports orphans left
// behind and data races the race-built binary found, and shows the
// server's log when the test failed.
func spawn(t *testing.T, ws *workspace) *proc {
	t.Helper()
	inR, inW, err := os.Pipe()
	require.NoError(t, err)
	outR, outW, err := os.Pipe()
	require.NoError(t, err)
	logFile, err := os.CreateTemp(t.TempDir(), "stderr-*.log")
	require.NoError(t, err)

	p := &proc{t: t, stdin: inW, stdout: outR, stderr: logFile.Name(), mark: randomMark(t), exited: make(chan struct{})}
	p.cmd = exec.Command(binary, "--stdio")
	p.cmd.Dir = ws.root
	p.cmd.Env = childEnv(p.mark)
	p.cmd.Stdin = inR
	p.cmd.Stdout = outW
	p.cmd.Stderr = logFile
	require.NoError(t, p.cmd.Start())
	// The child has its own copies now.
	inR.Close()
	outW.Close()
	logFile.Close()
	p.pid = p.cmd.Process.Pid
	go func() {
		_ = p.cmd.Wait()
		p.state = p.cmd.ProcessState
		close(p.exited)
	}()
	t.Cleanup(p.cleanup)
	return p
}

func (p *proc) cleanup() {
	t := p.t
	p.stdin.Close()
	select {
	case <-p.exited:
	case <-time.After(stopBound):
		t.Errorf("agentls (pid %d) did not exit %v after its stdin was closed; killing it", p.pid, stopBound)
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	p.stdout.Close()
	p.assertNoOrphans()
	log := p.log()
	assert.NotContains(t, log, "WARNING: DATA RACE", "the race-built server found a data race")
	assert.NotContains(t, log, "panic", "the server panicked")
	if t.Failed() {
		t.Logf("agentls (pid %d) stderr:\n%s", p.pid, log)
	}
}

// log returns what the server wrote to stderr so far.
func (p *proc) log() string {
	b, _ := os.ReadFile(p.stderr)
	return string(b)
}

// wait waits for the process to end and returns how it ended.
func (p *proc) wait() *os.ProcessState {
	p.t.Helper()
	select {
	case <-p.exited:
		return p.state
	case <-time.After(stopBound):
		p.t.Fatalf("agentls (pid %d) did not exit within %v", p.pid, stopBound)
		return nil
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	p.t.Helper()
	require.NoError(p.t, p.cmd.Process.Signal(syscall.SIGKILL))
	st := p.wait()
	ws, ok := st.Sys().(syscall.WaitStatus)
	require.True(p.t, ok)
	require.True(p.t, ws.Signaled() && ws.Signal() == syscall.SIGKILL, "killed by SIGKILL: %v", st)
}

// signal sends sig and waits for the process to end; it returns the exit
// code and checks that the server stopped its tasks within its grace.
func (p *proc) signal(sig os.Signal) int {
	p.t.Helper()
	require.NoError(p.t, p.cmd.Process.Signal(sig))
	return p.exitCode()
}

// exitCode waits for the process to end on its own and returns its exit
// code; it checks that the server's watchdog did not have to step in.
func (p *proc) exitCode() int {
	p.t.Helper()
	st := p.wait()
	require.True(p.t, st.Exited(), "agentls ended by itself, not by a signal: %v", st)
	assert.NotContains(p.t, p.log(), graceMessage, "the session ended within its 2 s grace")
	return st.ExitCode()
}

// fds lists the process's open descriptors as "fd -> target".
func (p *proc) fds() []string {
	p.t.Helper()
	dir := "/proc/" + strconv.Itoa(p.pid) + "/fd/"
	entries, err := os.ReadDir(dir)
	require.NoError(p.t, err)
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		target, _ := os.Readlink(dir + e.Name())
		out = append(out, e.Name()+" -> "+target)
	}
	return out
}

// assertNoOrphans checks that no process started by this server outlives
// it. Processes killed a moment ago may take a little while to vanish, so
// the check retries for a while; survivors are killed so that they do not
// disturb other tests.
func (p *proc) assertNoOrphans() {
	t := p.t
	var left []int
	ok := assert.Eventually(t, func() bool {
		left = marked(p.mark)
		return len(left) == 0
	}, 5*time.Second, 20*time.Millisecond, "no process started by agentls (pid %d) outlives it", p.pid)
	if !ok {
		for _, pid := range left {
			t.Logf("orphan pid %d: %s", pid, cmdline(pid))
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// marked lists the live processes whose environment holds the mark.
func marked(mark string) []int {
	needle := []byte(markVar + "=" + mark + "\x00")
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil || !bytes.Contains(env, needle) || proctest.Gone(pid) {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

func cmdline(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}

// childEnv is the test's environment without agentls settings (so that
// only initializationOptions configure the server), plus the mark. A
// race-built server would otherwise sleep a second at exit.
func childEnv(mark string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AGENTLS_") || strings.HasPrefix(kv, "GORACE=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, markVar+"="+mark, "GORACE=atexit_sleep_ms=0")
}

func randomMark(t *testing.T) string {
	b := make([]byte, 8)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// pidFifo makes a named pipe in the workspace that a command writes its pid
// to (see sleepCommand), and returns a function that blocks until the
// command has done so and returns the pid. Opening a FIFO for reading
// waits for its writer, so the test learns the moment the command runs
// without polling.
func pidFifo(t *testing.T, ws *workspace, name string) func() int {
	t.Helper()
	path := ws.path(name)
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	return func() int {
		t.Helper()
		got := make(chan []byte, 1)
		go func() {
			b, _ := os.ReadFile(path)
			got <- b
		}()
		select {
		case b := <-got:
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			require.NoError(t, err, "pid written to %s: %q", name, b)
			return pid
		case <-time.After(testTimeout):
			// Unblock the reader: a writer that opens and closes.
			if w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
			<-got
			t.Fatalf("the command never wrote its pid to %s", name)
			return 0
		}
	}
}

// sleepCommand writes the shell's pid to fifo and becomes a long sleep with
// that pid, the leader of the command's process group.
func sleepCommand(fifo string) string {
	return "echo $$ > " + fifo + "; exec sleep 1000"
}
