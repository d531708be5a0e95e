package storage

import (
	"context"
	"testing"
)

func TestUpsertMachine(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	m := testMachine()

	first, err := db.UpsertMachine(ctx, m)
	if err != nil {
		t.Fatalf("UpsertMachine: %v", err)
	}
	again, err := db.UpsertMachine(ctx, m)
	if err != nil {
		t.Fatalf("UpsertMachine again: %v", err)
	}
	if again != first {
		t.Errorf("the same machine got ids %d and %d", first, again)
	}

	// Any field makes a different machine.
	changes := map[string]func(*Machine){
		"chip":       func(m *Machine) { m.Chip = "Apple M4" },
		"cores":      func(m *Machine) { m.Cores++ },
		"memory":     func(m *Machine) { m.MemoryBytes++ },
		"os":         func(m *Machine) { m.OS = "linux" },
		"os version": func(m *Machine) { m.OSVersion = "15.2" },
		"arch":       func(m *Machine) { m.Arch = "amd64" },
		"hostname":   func(m *Machine) { m.Hostname = "laptop.local" },
	}
	seen := map[int64]string{first: "original"}
	for name, change := range changes {
		other := testMachine()
		change(&other)
		id, err := db.UpsertMachine(ctx, other)
		if err != nil {
			t.Fatalf("UpsertMachine with another %s: %v", name, err)
		}
		if prev, ok := seen[id]; ok {
			t.Errorf("machine with another %s got id %d, the id of the %s machine", name, id, prev)
		}
		seen[id] = name
	}
	if n := count(t, db, "machines"); n != len(changes)+1 {
		t.Errorf("%d machines stored, want %d", n, len(changes)+1)
	}

	var got Machine
	var fp string
	err = db.db.QueryRow(`SELECT chip, cores, memory_bytes, os, os_version, arch, hostname, fingerprint FROM machines WHERE id = ?`, first).
		Scan(&got.Chip, &got.Cores, &got.MemoryBytes, &got.OS, &got.OSVersion, &got.Arch, &got.Hostname, &fp)
	if err != nil {
		t.Fatal(err)
	}
	if got != m {
		t.Errorf("stored machine = %+v, want %+v", got, m)
	}
	if fp != m.Fingerprint() || len(fp) != 64 {
		t.Errorf("stored fingerprint = %q, want %q", fp, m.Fingerprint())
	}
}

func TestFingerprintSeparatesFields(t *testing.T) {
	// Fields that would run together if simply concatenated.
	a := Machine{Chip: "M1", OS: "darwin"}
	b := Machine{Chip: "M1darwin"}
	c := Machine{Chip: "M1", OSVersion: "darwin"}
	if a.Fingerprint() == b.Fingerprint() || a.Fingerprint() == c.Fingerprint() || b.Fingerprint() == c.Fingerprint() {
		t.Error("machines with the same text in different fields share a fingerprint")
	}
	if a.Fingerprint() != (Machine{Chip: "M1", OS: "darwin"}).Fingerprint() {
		t.Error("fingerprint is not deterministic")
	}
}

func TestMachinesReadsWhatUpsertStored(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	a, b := testMachine(), testMachine()
	b.Chip, b.MemoryBytes = "NVIDIA H200", 150_000_000_000
	ida, err := db.UpsertMachine(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	idb, err := db.UpsertMachine(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Machines(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[ida].Machine != a || got[idb].Machine != b || got[ida].ID != ida || got[ida].Fingerprint != a.Fingerprint() {
		t.Errorf("Machines = %+v, want %d: %+v and %d: %+v", got, ida, a, idb, b)
	}
}
