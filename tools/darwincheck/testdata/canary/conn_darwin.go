//go:build darwin && inferbench_canary

// Package canary holds mistakes that darwincheck must report, beside cgo
// code it must accept though cgo cannot run. Each mistake is marked by a
// "want" comment naming a part of its message.
package canary

/*
#include <stdlib.h>
#include <string.h>

typedef struct {
	int code;
	char name[16];
} result;

static int answer(void) { return 42; }
*/
import "C"

import (
	"errors"
	"unsafe"

	"github.com/mattn/go-sqlite3"
)

// nameLen uses C in the common ways; none of it may be reported.
func nameLen(s string) int {
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	var r C.result
	r.code = C.answer()
	C.strncpy(&r.name[0], cs, C.size_t(len(r.name)-1))
	name := C.GoString(&r.name[0])
	if r.code != 42 || C.strlen(cs) == 0 {
		return -1
	}
	return len(name) + int(C.int(len(s)))
}

// busy uses a type that go-sqlite3 declares in a cgo file.
func busy(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.Code == sqlite3.ErrBusy
}

func misuse(conn *sqlite3.SQLiteConn) string {
	conn.Vacuum()              // want "Vacuum undefined"
	return conn.GetFilename(0) // want "cannot use 0"
}
