package storage

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// newUID draws a run's uid: 128 random bits, so runs measured on different machines never
// share one.
func newUID() string { return rand.Text() }

// derivedUID is the uid of a run stored before runs had one: the same file always derives the
// same uids, so importing it twice finds its runs the second time.
func derivedUID(fingerprint, createdAt string, id int64) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%d", fingerprint, createdAt, id))
	return hex.EncodeToString(sum[:16])
}
