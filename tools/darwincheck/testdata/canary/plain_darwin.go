//go:build darwin && inferbench_canary

package canary

import "os/exec"

// version has no cgo at all.
func version() string {
	out, _ := exec.Command("sw_vers", "-productVersion").Output()
	return trimSpace(string(out)) // want "undefined: trimSpace"
}
