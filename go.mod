module github.com/inferbench/inferbench

go 1.25

require (
	github.com/mattn/go-sqlite3 v1.14.53
	gonum.org/v1/gonum v0.17.0
)
