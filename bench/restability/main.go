// Command restability sets the stability of runs stored before Inferbench
// judged it, from their stored repetitions, with the rule a run uses when it
// is measured (engine.Summarize: a process whose decode tokens/s step
// between two levels makes the run a "level shift"). It rewrites the
// database in place, so run it on a copy:
//
//	cp bench/data/h200-sweep.sqlite /tmp/h200.db
//	go run ./bench/restability --db /tmp/h200.db
//
// Runs whose stability is already set are left as they are.
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"os"

	_ "github.com/mattn/go-sqlite3"

	"github.com/inferbench/inferbench/engine"
)

func main() {
	path := flag.String("db", "", "SQLite file to rewrite (a copy: the stability column is set in place)")
	flag.Parse()
	if *path == "" {
		fmt.Fprintln(os.Stderr, "restability: --db is required")
		os.Exit(2)
	}
	if err := run(*path); err != nil {
		fmt.Fprintln(os.Stderr, "restability:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=rw")
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.Query(`SELECT s.run_id, s.process, s.decode_tokens_per_sec FROM samples s
		JOIN runs r ON r.id = s.run_id WHERE r.stability = '' ORDER BY s.run_id, s.rep`)
	if err != nil {
		return err
	}
	samples := map[int64][]engine.Sample{}
	var order []int64
	for rows.Next() {
		var id int64
		var s engine.Sample
		var tps sql.NullFloat64
		if err := rows.Scan(&id, &s.Process, &tps); err != nil {
			rows.Close()
			return err
		}
		if tps.Valid {
			s.DecodeTokensPerSec = &tps.Float64
		}
		if _, ok := samples[id]; !ok {
			order = append(order, id)
		}
		samples[id] = append(samples[id], s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	count := map[string]int{}
	for _, id := range order {
		st := engine.Summarize(samples[id]).Stability
		if _, err := tx.Exec(`UPDATE runs SET stability = ? WHERE id = ?`, st, id); err != nil {
			tx.Rollback()
			return err
		}
		count[st]++
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	fmt.Printf("%d runs judged: %d %s, %d %s, %d with too few repetitions\n", len(order),
		count[engine.StabilityStable], engine.StabilityStable, count[engine.StabilityShift], engine.StabilityShift, count[""])
	return nil
}
