//go:build darwin && inferbench_canary

package canary

// typedef long long counter;
import "C"

// count is a Go type declared from a C type, as cgo code often has. Without
// cgo go/types cannot tell its underlying type, and rejects the constants and
// conversions below; none of that may be reported.
type count C.counter

func (c count) next() count { return c + 1 }

func tally(n int) count {
	var c count = 1
	c += count(n) * 2
	if c > 100 {
		return 100
	}
	return c.next()
}

// A mistake beside such a type is still one.
func restart() count {
	var c count = startCount() // want "undefined: startCount"
	return c
}
