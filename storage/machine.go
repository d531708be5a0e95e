package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Machine describes the computer a run was measured on.
type Machine struct {
	Chip        string `json:"chip"` // CPU or chip name, e.g. "Apple M3 Pro"
	Cores       int    `json:"cores"`
	MemoryBytes int64  `json:"memory_bytes"`
	OS          string `json:"os"`
	OSVersion   string `json:"os_version"`
	Arch        string `json:"arch"`
	Hostname    string `json:"hostname"`
}

// Fingerprint identifies the machine: a SHA-256 over all its fields. A change
// in any field (an OS update, a new hostname) makes a new machine.
func (m Machine) Fingerprint() string {
	// Marshalling a struct is deterministic (field order, escaping), and
	// unlike joining with a separator it cannot make two machines collide.
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // unreachable: strings and integers always marshal
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// UpsertMachine returns the id of the machine's row, inserting it if no row
// has the same fingerprint.
func (db *DB) UpsertMachine(ctx context.Context, m Machine) (int64, error) {
	if db.readOnly {
		fp := m.Fingerprint()
		// Nothing is inserted: a machine the file does not know has no runs in it (id 0).
		var id int64
		err := db.db.QueryRowContext(ctx, `SELECT id FROM machines WHERE fingerprint = ?`, fp).Scan(&id)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("read machine: %w", err)
		}
		return id, nil
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("save machine: %w", err)
	}
	defer tx.Rollback()
	id, err := upsertMachineTx(ctx, tx, m)
	if err != nil {
		return 0, fmt.Errorf("save machine: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("save machine: %w", err)
	}
	return id, nil
}

func upsertMachineTx(ctx context.Context, tx *sql.Tx, m Machine) (int64, error) {
	fp := m.Fingerprint()
	_, err := tx.ExecContext(ctx, `
		INSERT INTO machines (fingerprint, chip, cores, memory_bytes, os, os_version, arch, hostname, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (fingerprint) DO NOTHING`,
		fp, m.Chip, m.Cores, m.MemoryBytes, m.OS, m.OSVersion, m.Arch, m.Hostname, formatTime(time.Now()))
	if err != nil {
		return 0, err
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `SELECT id FROM machines WHERE fingerprint = ?`, fp).Scan(&id); err != nil {
		return 0, err
	}
	return id, nil
}

// StoredMachine is a machine as stored, with its id and fingerprint.
type StoredMachine struct {
	ID          int64
	Fingerprint string
	Machine
}

// Machines returns every stored machine by its id, so that a run's machine_id can be read as the
// chip and memory it was measured on, and its fingerprint as the key import merges by.
func (db *DB) Machines(ctx context.Context) (map[int64]StoredMachine, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, fingerprint, chip, cores, memory_bytes, os, os_version, arch, hostname FROM machines`)
	if err != nil {
		return nil, fmt.Errorf("list machines: %w", err)
	}
	defer rows.Close()
	ms := map[int64]StoredMachine{}
	for rows.Next() {
		var m StoredMachine
		if err := rows.Scan(&m.ID, &m.Fingerprint, &m.Chip, &m.Cores, &m.MemoryBytes, &m.OS, &m.OSVersion, &m.Arch, &m.Hostname); err != nil {
			return nil, fmt.Errorf("list machines: %w", err)
		}
		ms[m.ID] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list machines: %w", err)
	}
	return ms, nil
}
