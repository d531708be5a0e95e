package storage

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"
)

// timeLayout is RFC 3339 in UTC with a fixed number of fractional digits, so
// that text order is time order and SQLite's date functions, sqlite3 and
// pandas all read it.
const timeLayout = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// timestamp stores a time.Time as RFC 3339 UTC text.
type timestamp struct{ t *time.Time }

func (ts timestamp) Value() (driver.Value, error) { return formatTime(*ts.t), nil }

func (ts timestamp) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("timestamp: want text, got %T", src)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	*ts.t = t.UTC()
	return nil
}

// floatList stores a []float64 as a JSON array in a text column. An empty
// or nil list is stored as [] and read back as nil.
type floatList struct{ v *[]float64 }

func (l floatList) Value() (driver.Value, error) {
	if len(*l.v) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(*l.v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func (l floatList) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("list of numbers: want JSON text, got %T", src)
	}
	var list []float64
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("list of numbers: %w", err)
	}
	if len(list) == 0 {
		list = nil
	}
	*l.v = list
	return nil
}
