module github.com/inferbench/inferbench

go 1.26.0

require (
	github.com/mattn/go-sqlite3 v1.14.53
	gonum.org/v1/gonum v0.17.0
)

require (
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/tools v0.52.0
)
