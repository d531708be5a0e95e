package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/inferbench/inferbench/engine"
)

// copyBandwidth is what the cache file keeps per machine.
type copyBandwidth struct {
	GBs        float64   `json:"gbs"`
	MeasuredAt time.Time `json:"measured_at"`
}

// CopyBandwidth returns a function giving this machine's memory copy bandwidth in GB/s, the roof
// against which CPU-backend runs are placed: measured once (engine.CopyBandwidthGBs) the first
// time it is asked for, then kept in the cache folder under the machine's fingerprint, so later
// runs and later processes read it. A cache that cannot be read or written only costs a new
// measurement.
func (e Env) CopyBandwidth(m engine.Machine) func() float64 {
	path := filepath.Join(e.CacheDir(), "copy-bandwidth.json")
	key := StorageMachine(m).Fingerprint()
	return sync.OnceValue(func() float64 {
		known := map[string]copyBandwidth{}
		if b, err := os.ReadFile(path); err == nil {
			_ = json.Unmarshal(b, &known) // a damaged cache is measured anew
		}
		if c, ok := known[key]; ok && c.GBs > 0 {
			return c.GBs
		}
		gbs := engine.CopyBandwidthGBs()
		known[key] = copyBandwidth{GBs: gbs, MeasuredAt: time.Now().UTC()}
		if b, err := json.MarshalIndent(known, "", "  "); err == nil && os.MkdirAll(filepath.Dir(path), 0o755) == nil {
			_ = WriteFileAtomic(path, b)
		}
		return gbs
	})
}
