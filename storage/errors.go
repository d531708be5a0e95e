package storage

import (
	"errors"

	"github.com/mattn/go-sqlite3"
)

// IsBusy reports whether err is another connection holding the database's write lock for
// longer than the busy timeout: worth trying again.
func IsBusy(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
}

// IsFull reports whether err is the disk (or the database's size limit) being full: worth
// trying again once space is freed.
func IsFull(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.Code == sqlite3.ErrFull
}
