package engine

import "syscall"

// workerProcAttr puts the worker in its own process group: a terminal's Ctrl-C reaches only
// inferbench, and Kill takes down anything the worker started. macOS has no parent-death
// signal; the worker watches its parent's pid itself (INFERBENCH_PARENT_PID).
func workerProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
