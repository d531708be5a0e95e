package engine

import "syscall"

// workerProcAttr puts the worker in its own process group (a terminal's Ctrl-C reaches only
// inferbench, and Kill takes down anything the worker started) and has the kernel kill it
// when inferbench dies, however it dies.
func workerProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
