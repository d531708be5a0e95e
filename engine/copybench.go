package engine

import "time"

// copyBufferBytes is far larger than any CPU cache, so copies stream through memory.
const copyBufferBytes = 128 << 20

// CopyBandwidthGBs measures the memory bandwidth a plain copy reaches on this machine, in GB/s:
// the best of a few copies of a buffer larger than any cache, counting bytes read and written.
// It is the roof for a CPU, whose nominal bandwidth no table gives; it takes about a second.
func CopyBandwidthGBs() float64 {
	src := make([]byte, copyBufferBytes)
	dst := make([]byte, copyBufferBytes)
	for i := range src {
		src[i] = byte(i) // touch every page before timing
	}
	copy(dst, src)
	best := time.Duration(0)
	for range 3 {
		t := time.Now()
		copy(dst, src)
		if d := time.Since(t); best == 0 || d < best {
			best = d
		}
	}
	return 2 * float64(copyBufferBytes) / best.Seconds() / 1e9
}
