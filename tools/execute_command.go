package tools

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Limits of execute_command.
const (
	commandDefaultTimeout = 120 * time.Second
	commandMaxTimeout     = time.Hour
	commandOutputCap      = 64 << 10
	// commandWaitDelay bounds the wait for the output pipe to close once
	// the process is gone, in case something outside its group holds it.
	commandWaitDelay = 2 * time.Second
)

//go:embed execute_command.md
var executeCommandDescription string

type executeCommandInput struct {
	Command        string   `json:"command"`
	Cwd            string   `json:"cwd"`
	TimeoutSeconds *float64 `json:"timeout_seconds"`
}

func executeCommandTool() Tool {
	return Tool{
		Name:        "execute_command",
		Description: executeCommandDescription,
		Group:       GroupCommand,
		Schema: json.RawMessage(`{"type":"object","properties":{
"command":{"type":"string","description":"The shell command to run."},
"cwd":{"type":"string","description":"Directory to run in, relative to the workspace root (default: the root)."},
"timeout_seconds":{"type":"number","exclusiveMinimum":0,"maximum":3600,"description":"Kill the command after this many seconds (default 120)."}},
"required":["command"],"additionalProperties":false}`),
		Run: runExecuteCommand,
	}
}

func runExecuteCommand(ctx context.Context, ws *Workspace, input json.RawMessage) (string, error) {
	var in executeCommandInput
	if err := decodeInput(input, &in, "command"); err != nil {
		return "", err
	}
	if strings.TrimSpace(in.Command) == "" {
		return "", errors.New("command is empty; give a shell command to run")
	}
	timeout := commandDefaultTimeout
	if in.TimeoutSeconds != nil {
		s := *in.TimeoutSeconds
		if !(s > 0) || math.IsInf(s, 0) || s > commandMaxTimeout.Seconds() {
			return "", fmt.Errorf("timeout_seconds must be more than 0 and at most %d, not %v", int(commandMaxTimeout.Seconds()), s)
		}
		timeout = time.Duration(s * float64(time.Second))
	}
	dir := ws.root
	if in.Cwd != "" {
		abs, err := ws.Resolve(in.Cwd)
		if err != nil {
			return "", err
		}
		if err := checkDir(abs, in.Cwd); err != nil {
			return "", err
		}
		dir = abs
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return runCommand(ctx, in.Command, dir, timeout)
}

// watchdogScript starts the command's watchdog and precedes the command
// on the same line, so that the command's line numbers, $0 and error
// messages are as if it ran alone. The watchdog is a shell in the
// command's process group blocked reading fd 3, a pipe whose only writer
// is agentls: when agentls ends, however it ends (even SIGKILL, which
// Pdeathsig covers only for the shell itself), the kernel closes the
// writer, the read returns and the watchdog kills the whole group. It is
// started from a subshell that exits at once, so it is no job of the
// command's shell: a plain `wait` in the command does not wait for it and
// $! is unset. It holds neither the output nor the input, and the command
// does not inherit fd 3. While it lives it also keeps the group, and so
// the group id killed at the end, from being reused.
const watchdogScript = `( { read _ <&3; kill -9 0; } & ) </dev/null >/dev/null 2>&1; exec 3<&-; `

// runCommand runs command with /bin/sh in dir, in a new process group that
// is killed as a whole on timeout, when ctx ends, when the shell exits and
// when agentls dies: killing only the shell would leave its children
// running and holding the output pipe.
func runCommand(ctx context.Context, command, dir string, timeout time.Duration) (string, error) {
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	lifeline, lifelineW, err := os.Pipe()
	if err != nil {
		return "", fmt.Errorf("cannot run the command: %v", err)
	}
	// Closed only once the group has been killed below, so the watchdog
	// never fires while agentls lives.
	defer lifelineW.Close()
	cmd := exec.CommandContext(tctx, "/bin/sh", "-c", watchdogScript+command)
	cmd.Dir = dir
	cmd.ExtraFiles = []*os.File{lifeline} // fd 3
	cmd.SysProcAttr = childProcAttr()
	cmd.Cancel = func() error {
		// The group id is the shell's pid (Setpgid with Pgid 0).
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = commandWaitDelay
	out := newHeadTail(commandOutputCap)
	cmd.Stdout = out
	cmd.Stderr = out
	start := time.Now()
	err = cmd.Start()
	// The shell has its own copy; the parent keeps only the writer.
	lifeline.Close()
	if err == nil {
		err = cmd.Wait()
	}
	// The shell may have exited on its own while children it started in
	// the background live on; they belong to the command, so end them too,
	// with the watchdog.
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	elapsed := time.Since(start).Round(time.Millisecond)
	if ctx.Err() != nil {
		return "", fmt.Errorf("the command was cancelled after %v and its processes were killed", elapsed)
	}
	var b strings.Builder
	var ee *exec.ExitError
	switch {
	case tctx.Err() != nil:
		fmt.Fprintf(&b, "The command timed out after %v and its processes were killed. Give a longer timeout_seconds, or run long jobs in the background with their output sent to a file.\n", timeout)
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		fmt.Fprintf(&b, "Exit code: %d\n", ee.ExitCode())
	case errors.As(err, &ee):
		fmt.Fprintf(&b, "The command was killed by a signal (%v).\n", ee.ProcessState)
	case errors.Is(err, exec.ErrWaitDelay):
		b.WriteString("Exit code: 0\n(A process the command left running kept its output open; it was killed and its later output is lost.)\n")
	case err != nil:
		return "", fmt.Errorf("cannot run the command: %v", err)
	default:
		b.WriteString("Exit code: 0\n")
	}
	text := out.String()
	if text == "" {
		b.WriteString("(no output)\n")
	} else {
		b.WriteString("Output:\n")
		b.WriteString(text)
		if !strings.HasSuffix(text, "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String(), nil
}
