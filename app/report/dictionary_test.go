package report

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/data.md's column tables from the columns")

const dataDictionary = "../../docs/data.md"

// docs/data.md's column tables are the columns' own descriptions: a column added, renamed or
// redescribed without the document (or the other way round) fails here.
// `go test ./app/report -run TestDataDictionary -update` rewrites the tables.
func TestDataDictionary(t *testing.T) {
	b, err := os.ReadFile(dataDictionary)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, tt := range []struct{ heading, want string }{
		{"Run columns", Dictionary(RunColumns())},
		{"Sample columns", Dictionary(SampleColumns())},
		{"Compare columns", Dictionary(CompareColumns())},
	} {
		start, end, ok := tableIn(doc, tt.heading)
		if !ok {
			t.Fatalf("docs/data.md has no table under %q", tt.heading)
		}
		if got := doc[start:end]; got != tt.want {
			if !*update {
				t.Errorf("docs/data.md's %q table differs from the columns (go test ./app/report -update rewrites it):\n%s",
					tt.heading, firstDifference(got, tt.want))
				continue
			}
			doc = doc[:start] + tt.want + doc[end:]
		}
	}
	if *update {
		if err := os.WriteFile(dataDictionary, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// tableIn finds the Markdown table under a level-2 heading: from its header row to the first
// line that is not a table row.
func tableIn(doc, heading string) (start, end int, ok bool) {
	h := strings.Index(doc, "\n## "+heading+"\n")
	if h < 0 {
		return 0, 0, false
	}
	rel := strings.Index(doc[h:], "\n| column |")
	if rel < 0 {
		return 0, 0, false
	}
	start = h + rel + 1
	end = start
	for end < len(doc) && strings.HasPrefix(doc[end:], "|") {
		nl := strings.IndexByte(doc[end:], '\n')
		if nl < 0 {
			return start, len(doc), true
		}
		end += nl + 1
	}
	return start, end, true
}

func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "docs/data.md: " + gl + "\ncolumns:      " + wl
		}
	}
	return ""
}

func TestLabel(t *testing.T) {
	for _, c := range RunColumns() {
		if c.Label != "" && Label(c.Name) != c.Label {
			t.Errorf("Label(%q) = %q, want %q", c.Name, Label(c.Name), c.Label)
		}
	}
	if Label("ttft_ms") != "time to first token" {
		t.Errorf("the run table's header for ttft_ms is %q", Label("ttft_ms"))
	}
}
