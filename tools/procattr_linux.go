package tools

import "syscall"

// childProcAttr puts a child in its own process group, so that the whole
// group can be killed, and has the kernel kill it if agentls dies without
// the chance to (SIGKILL). That reaches the child alone, not the processes
// it started: execute_command's watchdog (watchdogScript) ends those.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
