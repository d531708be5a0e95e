package desktop

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/app/agent"
)

func TestMenuViewStates(t *testing.T) {
	tests := []struct {
		name   string
		status agent.Status
		want   Menu
	}{
		{"stopped", agent.Status{State: agent.StateStopped}, Menu{IconSymbol: "gauge.with.dots.needle.bottom.0percent",
			StatusLine: "Stopped", StartPauseTitle: "Start", StartPauseAction: ActionStart}},
		{"zero status", agent.Status{}, Menu{IconSymbol: "gauge.with.dots.needle.bottom.0percent",
			StatusLine: "Stopped", StartPauseTitle: "Start", StartPauseAction: ActionStart}},
		{"waiting with reason", agent.Status{State: agent.StateWaiting, Reason: "on battery"}, Menu{IconSymbol: "hourglass",
			StatusLine: "Waiting: on battery", StartPauseTitle: "Pause", StartPauseAction: ActionPause}},
		{"waiting without reason", agent.Status{State: agent.StateWaiting}, Menu{IconSymbol: "hourglass",
			StatusLine: "Waiting", StartPauseTitle: "Pause", StartPauseAction: ActionPause}},
		{"running", agent.Status{State: agent.StateRunning, Current: "gpt2-medium int4 ctx 1024 batch 1 gen 32", Rep: 3, Of: 5, Pending: 7},
			Menu{IconSymbol: "gauge.with.dots.needle.67percent",
				StatusLine:      "Running gpt2-medium int4 ctx 1024 batch 1 gen 32 — rep 3/5, 7 left",
				StartPauseTitle: "Pause", StartPauseAction: ActionPause}},
		{"running, warming up, last one", agent.Status{State: agent.StateRunning, Current: "gpt2 fp16 ctx 128 batch 1 gen 32", Of: 5, Pending: 1},
			Menu{IconSymbol: "gauge.with.dots.needle.67percent",
				StatusLine:      "Running gpt2 fp16 ctx 128 batch 1 gen 32 — warming up, 1 left",
				StartPauseTitle: "Pause", StartPauseAction: ActionPause}},
		{"paused", agent.Status{State: agent.StatePaused, Reason: "paused by the user"}, Menu{IconSymbol: "pause.circle",
			StatusLine: "Paused", StartPauseTitle: "Resume", StartPauseAction: ActionStart}},
		{"unknown state", agent.Status{State: "exploded"}, Menu{IconSymbol: "gauge.with.dots.needle.bottom.0percent",
			StatusLine: "Stopped (exploded)", StartPauseTitle: "Start", StartPauseAction: ActionStart}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MenuView(tt.status)
			if got.IconDescription == "" {
				t.Errorf("no icon description for VoiceOver")
			}
			got.IconDescription, got.Items = "", nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("MenuView(%+v)\n got %+v\nwant %+v", tt.status, got, tt.want)
			}
		})
	}
}

func TestMenuViewFixedItems(t *testing.T) {
	for _, st := range []agent.State{agent.StateStopped, agent.StateWaiting, agent.StateRunning, agent.StatePaused} {
		var titles []string
		for _, it := range MenuView(agent.Status{State: st}).Items {
			titles = append(titles, it.Title)
		}
		want := []string{"Recommendations…", "Preferences…", "Export CSV…", "Quit Inferbench"}
		if !reflect.DeepEqual(titles, want) {
			t.Errorf("%s: items %q, want %q", st, titles, want)
		}
	}
}

func TestRecommendationsViewWithData(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	fit := &FitSummary{NRuns: 42, CreatedAt: now.Add(-3 * time.Hour), DecodeMAPE: 0.061, MemoryMAPE: 0.03}
	rows := []RecommendationRow{
		{Model: "gpt2-medium", Precision: "int4", Batch: 1, Context: 1024, MsPerToken: 12.34, TokensPerSec: 81.04,
			PeakMemoryBytes: 1_234_000_000, Measured: true, PInteractive: 0.973},
		{Model: "gpt2", Precision: "fp16", Batch: 4, Context: 128, MsPerToken: 4.56, TokensPerSec: 877.2,
			PeakMemoryBytes: 512_000_000, PInteractive: 0.5},
	}
	v := RecommendationsView(rows, fit, now, 0, 3*time.Minute)
	if v.EmptyMessage != "" {
		t.Errorf("EmptyMessage = %q with data", v.EmptyMessage)
	}
	wantHead := "Fastest feasible settings — fitted on 42 runs 3 hours ago; decode error 6.1%, memory error 3.0%"
	if v.Headline != wantHead {
		t.Errorf("Headline = %q, want %q", v.Headline, wantHead)
	}
	want := [][]string{
		{"gpt2-medium", "int4", "1", "1024", "12.3 ms", "81 tok/s", "1.2 GB", "measured", "97%"},
		{"gpt2", "fp16", "4", "128", "4.56 ms", "877 tok/s", "512.0 MB", "predicted", "50%"},
	}
	if !reflect.DeepEqual(v.Rows, want) {
		t.Errorf("Rows\n got %q\nwant %q", v.Rows, want)
	}
	for i, r := range v.Rows {
		if len(r) != len(v.Columns) {
			t.Errorf("row %d has %d cells for %d columns", i, len(r), len(v.Columns))
		}
	}
}

func TestRecommendationsViewWarnsOfABadFit(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	fit := &FitSummary{NRuns: 17, CreatedAt: now, DecodeMAPE: 1.2,
		Warnings: []string{"decode ms/token: no better than the naive baseline", "second"}}
	rows := []RecommendationRow{{Model: "gpt2", Precision: "fp32", Batch: 1, Context: 128, MsPerToken: 100}}
	v := RecommendationsView(rows, fit, now, 0, time.Minute)
	for _, want := range []string{"WARNING: decode ms/token: no better than the naive baseline", "and 1 more"} {
		if !strings.Contains(v.Headline, want) {
			t.Errorf("Headline %q does not say %q", v.Headline, want)
		}
	}
}

func TestRecommendationsViewWithoutData(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name       string
		rows       []RecommendationRow
		fit        *FitSummary
		runsNeeded int
		typical    time.Duration
		headline   string
		message    []string
	}{
		{"no fit yet", nil, nil, 8, 3 * time.Minute, "Not enough measurements yet",
			[]string{"about 8 more runs", "3 minutes a run", "roughly 24 minutes"}},
		{"one run left, long runs", nil, nil, 1, 90 * time.Minute, "Not enough measurements yet",
			[]string{"about 1 more run ", "2 hours a run", "roughly 2 hours"}},
		{"many runs", nil, nil, 40, 2 * time.Hour, "Not enough measurements yet", []string{"roughly 3 days"}},
		{"old fit, more runs needed", nil, &FitSummary{NRuns: 3}, 5, 0, "Not enough measurements yet",
			[]string{"about 5 more runs before"}},
		{"fit but nothing feasible", nil, &FitSummary{NRuns: 20, CreatedAt: now}, 0, time.Minute,
			"Fastest feasible settings — fitted on 20 runs just now", []string{"No setting fits the memory budget"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := RecommendationsView(tt.rows, tt.fit, now, tt.runsNeeded, tt.typical)
			if v.Headline != tt.headline {
				t.Errorf("Headline = %q, want %q", v.Headline, tt.headline)
			}
			if len(v.Rows) != 0 {
				t.Errorf("Rows = %q, want none", v.Rows)
			}
			for _, w := range tt.message {
				if !strings.Contains(v.EmptyMessage, w) {
					t.Errorf("EmptyMessage %q lacks %q", v.EmptyMessage, w)
				}
			}
			if tt.typical == 0 && strings.Contains(v.EmptyMessage, "roughly") {
				t.Errorf("EmptyMessage %q guesses a time without a typical run duration", v.EmptyMessage)
			}
			if len(v.Columns) == 0 {
				t.Errorf("no columns")
			}
		})
	}
}

func TestRecViewText(t *testing.T) {
	v := RecommendationsView([]RecommendationRow{
		{Model: "gpt2-medium", Precision: "int4", Batch: 1, Context: 1024, MsPerToken: 12.34, TokensPerSec: 81, PeakMemoryBytes: 1_234_000_000, Measured: true, PInteractive: 0.97},
		{Model: "gpt2", Precision: "fp16", Batch: 16, Context: 128, MsPerToken: 104, TokensPerSec: 1200, PeakMemoryBytes: 612_000_000, PInteractive: 0.05},
	}, &FitSummary{NRuns: 9}, time.Now(), 0, time.Minute)
	want := "" +
		"Model        Precision  Batch  Context    Decode  Throughput  Peak memory  Source     Interactive\n" +
		"gpt2-medium  int4           1     1024   12.3 ms    81 tok/s       1.2 GB  measured           97%\n" +
		"gpt2         fp16          16      128  104.0 ms  1200 tok/s     612.0 MB  predicted         5.0%\n"
	if got := v.Text(); got != want {
		t.Errorf("Text()\n%s\nwant\n%s", got, want)
	}
	empty := RecommendationsView(nil, nil, time.Now(), 3, time.Minute)
	if empty.Text() != empty.EmptyMessage {
		t.Errorf("Text() without rows = %q, want the empty message", empty.Text())
	}
}

func TestMainMenu(t *testing.T) {
	type key struct {
		key   string
		shift bool
	}
	actions := map[string]key{}
	titles := map[string]string{}
	var sections []string
	for _, sec := range MainMenu() {
		sections = append(sections, sec.Title)
		for _, it := range sec.Items {
			if it.Title == "" {
				if it.Key != "" || it.Action != "" {
					t.Errorf("%s: a separator with a key or action: %+v", sec.Title, it)
				}
				continue
			}
			if !strings.HasSuffix(it.Action, ":") {
				t.Errorf("%s: %q has action %q, not a selector that takes a sender", sec.Title, it.Title, it.Action)
			}
			k := key{it.Key, it.Shift}
			for other, ok := range actions {
				if ok == k {
					t.Errorf("%q and %q share the key %+v", it.Title, titles[other], k)
				}
			}
			actions[it.Action], titles[it.Action] = k, it.Title
		}
	}
	if sections[0] != "Inferbench" {
		t.Errorf("first menu %q, want the application menu", sections[0])
	}
	// The first-responder actions that make text fields and windows behave as on any Mac.
	want := map[string]key{
		"undo:": {"z", false}, "redo:": {"z", true}, "cut:": {"x", false}, "copy:": {"c", false},
		"paste:": {"v", false}, "selectAll:": {"a", false}, "performClose:": {"w", false}, "terminate:": {"q", false},
	}
	for action, k := range want {
		if got, ok := actions[action]; !ok || got != k {
			t.Errorf("%s: key %+v (present %v), want %+v", action, got, ok, k)
		}
	}
	if titles["performClose:"] != "Close Window" || titles["selectAll:"] != "Select All" {
		t.Errorf("titles %v", titles)
	}
}
