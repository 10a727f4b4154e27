package e2e

import (
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/internal/proctest"
)

// TestKillLeavesNoGrandchild kills agentls with SIGKILL while
// execute_command runs a command whose long-running process is not the
// shell but one of its children. The kernel kills only the shell when
// agentls dies (Pdeathsig); every other process of the command's group
// must die too instead of living on as an orphan.
func TestKillLeavesNoGrandchild(t *testing.T) {
	tests := []struct {
		name string
		// command writes the pid of the grandchild to pid.fifo.
		command string
	}{
		{name: "background job", command: "sleep 1000 & echo $! > pid.fifo; wait"},
		{name: "foreground child", command: "sh -c 'echo $$ > pid.fifo; exec sleep 1000'; echo never"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := newWorkspace(t, nil)
			ws.write(t, "script.json", `{"conversations":[{"match":"^Orphan","turns":[
 {"toolCalls":[{"name":"execute_command","arguments":{"command":`+quote(tt.command)+`}}]},
 {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"never reached"}}]}]}]}`)
			e := connect(t, ws)
			e.initialize(map[string]any{"autoApprove": []string{"command"}})
			readPid := pidFifo(t, ws, "pid.fifo")
			e.Start("Orphan test: run the command")
			pid := readPid()
			pgid, err := syscall.Getpgid(pid)
			require.NoError(t, err, "the grandchild runs")
			require.NotEqual(t, pid, pgid, "the process is not the group leader, the shell")
			require.NotEqual(t, syscall.Getpgrp(), pgid, "the command has a group of its own")

			e.p.kill()
			<-e.c.Disconnected()
			if !assert.True(t, proctest.WaitGone(pid, 10*time.Second), "the grandchild (pid %d) died with agentls", pid) {
				_ = syscall.Kill(-pgid, syscall.SIGKILL)
			}
			// The watchdog that killed it is in the group too.
			var left []int
			if !assert.Eventually(t, func() bool {
				var err error
				left, err = proctest.GroupMembers(pgid)
				return assert.NoError(t, err) && len(left) == 0
			}, 10*time.Second, 10*time.Millisecond, "no process of the command's group is left") {
				t.Logf("left in group %d: %v", pgid, left)
				_ = syscall.Kill(-pgid, syscall.SIGKILL)
			}
		})
	}
}
