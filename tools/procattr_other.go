//go:build !linux

package tools

import "syscall"

// childProcAttr puts a child in its own process group, so that the whole
// group can be killed.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
