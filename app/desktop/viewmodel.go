package desktop

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/inferbench/inferbench/app/agent"
	"github.com/inferbench/inferbench/app/report"
)

// The menu bar and its windows render these view models; everything they say is decided here,
// in plain Go, so it is tested on any machine and the Cocoa code only draws it.

// MenuAction is what the start/pause item does when clicked.
type MenuAction string

// The start/pause item's actions.
const (
	ActionStart MenuAction = "start" // Controller.Start: begin, or resume after a pause
	ActionPause MenuAction = "pause" // agent.Controller.Pause
)

// MenuItemID names a fixed menu item, so the shell can route its click.
type MenuItemID string

// The fixed menu items, in menu order.
const (
	ItemRecommendations MenuItemID = "recommendations"
	ItemPreferences     MenuItemID = "preferences"
	ItemExportCSV       MenuItemID = "export-csv"
	ItemQuit            MenuItemID = "quit"
)

// MenuItem is one fixed item; Key is its key equivalent, pressed with Command.
type MenuItem struct {
	ID    MenuItemID
	Title string
	Key   string
	// SeparatorBefore draws a line above the item, setting Quit apart.
	SeparatorBefore bool
}

// Menu is what the status item shows for one controller status.
type Menu struct {
	IconSymbol       string // an SF Symbol (SF Symbols 4, macOS 13) name for the status item's button
	IconDescription  string // the same, in words, for VoiceOver
	StatusLine       string // a disabled first item saying what is happening and why
	StartPauseTitle  string
	StartPauseAction MenuAction
	Items            []MenuItem
}

// The status item's symbols: a gauge that fills while measuring, so the state reads at a glance.
const (
	symbolStopped = "gauge.with.dots.needle.bottom.0percent"
	symbolWaiting = "hourglass"
	symbolRunning = "gauge.with.dots.needle.67percent"
	symbolPaused  = "pause.circle"
)

// fixedItems follow the status line and the start/pause item in every state.
func fixedItems() []MenuItem {
	return []MenuItem{
		{ID: ItemRecommendations, Title: "Recommendations…", Key: "r"},
		{ID: ItemPreferences, Title: "Preferences…", Key: ","},
		{ID: ItemExportCSV, Title: "Export CSV…", Key: "e"},
		{ID: ItemQuit, Title: "Quit Inferbench", Key: "q", SeparatorBefore: true},
	}
}

// MainMenuItem is an item of the app's main menu. Action is an AppKit selector sent to the
// first responder (the focused text field or the key window), so the standard editing keys
// work in every window without code of ours. An empty Title is a separator.
type MainMenuItem struct {
	Title  string
	Key    string // pressed with Command
	Shift  bool   // and with Shift
	Action string
}

// MainMenuSection is one menu of the main menu. The first is the application menu, whose
// title macOS replaces with the app's name.
type MainMenuSection struct {
	Title string
	Items []MainMenuItem
}

// MainMenu is the main menu. A menu-bar app shows no menu bar of its own, but AppKit still
// finds Command-key shortcuts in it while one of the app's windows is key: without it, Cut,
// Copy, Paste, Select All, Undo and Close Window do nothing in Preferences.
func MainMenu() []MainMenuSection {
	return []MainMenuSection{
		{Title: "Inferbench", Items: []MainMenuItem{
			{Title: "Hide Inferbench", Key: "h", Action: "hide:"},
			{},
			{Title: "Quit Inferbench", Key: "q", Action: "terminate:"},
		}},
		{Title: "Edit", Items: []MainMenuItem{
			{Title: "Undo", Key: "z", Action: "undo:"},
			{Title: "Redo", Key: "z", Shift: true, Action: "redo:"},
			{},
			{Title: "Cut", Key: "x", Action: "cut:"},
			{Title: "Copy", Key: "c", Action: "copy:"},
			{Title: "Paste", Key: "v", Action: "paste:"},
			{Title: "Select All", Key: "a", Action: "selectAll:"},
		}},
		{Title: "Window", Items: []MainMenuItem{
			{Title: "Close Window", Key: "w", Action: "performClose:"},
			{Title: "Minimize", Key: "m", Action: "performMiniaturize:"},
		}},
	}
}

// MenuView turns a controller status into the menu.
func MenuView(s agent.Status) Menu {
	m := Menu{Items: fixedItems(), StartPauseTitle: "Pause", StartPauseAction: ActionPause}
	switch s.State {
	case agent.StateWaiting:
		m.IconSymbol, m.IconDescription = symbolWaiting, "Inferbench is waiting"
		m.StatusLine = "Waiting"
		if s.Reason != "" {
			m.StatusLine += ": " + s.Reason
		}
	case agent.StateRunning:
		m.IconSymbol, m.IconDescription = symbolRunning, "Inferbench is measuring"
		m.StatusLine = runningLine(s)
	case agent.StatePaused:
		m.IconSymbol, m.IconDescription = symbolPaused, "Inferbench is paused"
		m.StatusLine = "Paused"
		m.StartPauseTitle, m.StartPauseAction = "Resume", ActionStart
	default:
		// Stopped, and any state this version does not know, offer to start.
		m.IconSymbol, m.IconDescription = symbolStopped, "Inferbench is stopped"
		m.StatusLine = "Stopped"
		if s.State != agent.StateStopped && s.State != "" {
			m.StatusLine = "Stopped (" + string(s.State) + ")"
		}
		m.StartPauseTitle, m.StartPauseAction = "Start", ActionStart
	}
	return m
}

// runningLine says what is being measured and how far it got: "Running gpt2 fp16 ctx 128 batch 1
// gen 32 — rep 3/5, 7 left". Rep is 0 while the model loads and warms up.
func runningLine(s agent.Status) string {
	line := "Running"
	if s.Current != "" {
		line += " " + s.Current
	}
	var parts []string
	switch {
	case s.Of > 0 && s.Rep > 0:
		parts = append(parts, fmt.Sprintf("rep %d/%d", s.Rep, s.Of))
	case s.Of > 0:
		parts = append(parts, "warming up")
	}
	if s.Pending > 0 {
		// Pending counts the configuration in flight too.
		parts = append(parts, fmt.Sprintf("%d left", s.Pending))
	}
	if len(parts) > 0 {
		line += " — " + strings.Join(parts, ", ")
	}
	return line
}

// RecommendationRow is one recommended configuration, as the advisor integration hands it over.
type RecommendationRow struct {
	Model, Precision string
	Batch, Context   int
	MsPerToken       float64 // decode latency
	TokensPerSec     float64 // decode throughput
	PeakMemoryBytes  int64
	Measured         bool    // measured on this machine rather than predicted by the fit
	PInteractive     float64 // probability the setting is interactive (under the latency threshold)
}

// FitSummary describes the fit behind the recommendations.
type FitSummary struct {
	NRuns      int
	CreatedAt  time.Time
	DecodeMAPE float64  // cross-validated mean absolute percentage error of decode ms/token, a fraction; 0 when unknown
	MemoryMAPE float64  // the same for peak memory
	Warnings   []string // where the fit should not be trusted, from the advisor
}

// RecView is the Recommendations window's content. With no rows, EmptyMessage says why.
type RecView struct {
	Headline     string
	EmptyMessage string
	Columns      []string
	RightAlign   []bool // per column: numbers align right
	Rows         [][]string
}

// recColumns are the table's columns, in the order of recRow's cells.
var (
	recColumns    = []string{"Model", "Precision", "Batch", "Context", "Decode", "Throughput", "Peak memory", "Source", "Interactive"}
	recRightAlign = []bool{false, false, true, true, true, true, true, false, true}
)

// RecommendationsView builds the Recommendations window. runsNeeded is how many more runs the
// fit needs (0 when it has enough); typicalRun is how long one run usually takes, for saying how
// long the wait is.
func RecommendationsView(rows []RecommendationRow, fit *FitSummary, now time.Time, runsNeeded int, typicalRun time.Duration) RecView {
	v := RecView{Columns: recColumns, RightAlign: recRightAlign}
	if fit == nil || runsNeeded > 0 {
		v.Headline = "Not enough measurements yet"
		v.EmptyMessage = notEnoughData(runsNeeded, typicalRun)
		return v
	}
	v.Headline = fitHeadline(fit, now)
	if len(rows) == 0 {
		v.EmptyMessage = "No setting fits the memory budget and latency threshold in Preferences. " +
			"Raise the memory budget or the latency threshold, or add smaller models or precisions."
		return v
	}
	for _, r := range rows {
		v.Rows = append(v.Rows, recRow(r))
	}
	return v
}

// notEnoughData says plainly that recommendations need more runs, and how long that takes.
func notEnoughData(runsNeeded int, typicalRun time.Duration) string {
	if runsNeeded <= 0 {
		return "Inferbench has not fitted its model yet. Recommendations appear after the next measurement."
	}
	msg := fmt.Sprintf("Inferbench needs about %d more %s before it can recommend settings.",
		runsNeeded, nounFor(runsNeeded, "run", "runs"))
	if typicalRun > 0 {
		msg += fmt.Sprintf(" At about %s a run, that is roughly %s of benchmarking while this Mac is idle and on power.",
			roughDuration(typicalRun), roughDuration(time.Duration(runsNeeded)*typicalRun))
	}
	return msg + " Start benchmarking from the menu bar icon."
}

// fitHeadline: "Fastest feasible settings — fitted on 42 runs 3 hours ago; decode error 6.1%, memory error 3.0%".
func fitHeadline(fit *FitSummary, now time.Time) string {
	h := fmt.Sprintf("Fastest feasible settings — fitted on %d %s", fit.NRuns, nounFor(fit.NRuns, "run", "runs"))
	if !fit.CreatedAt.IsZero() {
		h += " " + agoText(now.Sub(fit.CreatedAt))
	}
	var errs []string
	if fit.DecodeMAPE > 0 {
		errs = append(errs, fmt.Sprintf("decode error %.1f%%", 100*fit.DecodeMAPE))
	}
	if fit.MemoryMAPE > 0 {
		errs = append(errs, fmt.Sprintf("memory error %.1f%%", 100*fit.MemoryMAPE))
	}
	if len(errs) > 0 {
		h += "; " + strings.Join(errs, ", ")
	}
	if n := len(fit.Warnings); n > 0 {
		h += ". WARNING: " + fit.Warnings[0]
		if n > 1 {
			h += fmt.Sprintf(" (and %d more: see inferbench fit)", n-1)
		}
	}
	return h
}

func recRow(r RecommendationRow) []string {
	source := "predicted"
	if r.Measured {
		source = "measured"
	}
	mem := "–"
	if r.PeakMemoryBytes > 0 {
		mem = report.HumanBytes(r.PeakMemoryBytes)
	}
	return []string{r.Model, r.Precision, strconv.Itoa(r.Batch), strconv.Itoa(r.Context),
		viewNumber(r.MsPerToken, 1) + " ms", viewNumber(r.TokensPerSec, 0) + " tok/s", mem, source,
		viewNumber(100*r.PInteractive, 0) + "%"}
}

// viewNumber prints v with the given decimals, one more below 10 so small values keep a digit,
// and a dash for a value that could not be estimated.
func viewNumber(v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	if v != 0 && math.Abs(v) < 10 && decimals < 2 {
		decimals++
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// agoText says how long ago, coarsely: "just now", "5 minutes ago", "3 hours ago", "2 days ago".
func agoText(d time.Duration) string {
	if d < time.Minute {
		return "just now"
	}
	return roughDuration(d) + " ago"
}

// roughDuration rounds to one unit a person would say: "40 seconds", "5 minutes", "3 hours", "2 days".
func roughDuration(d time.Duration) string {
	unit := func(n int64, one, many string) string { return fmt.Sprintf("%d %s", n, nounFor(int(n), one, many)) }
	switch {
	case d < time.Minute:
		return unit(max(int64(d.Round(time.Second)/time.Second), 1), "second", "seconds")
	case d < time.Hour:
		return unit(int64(d.Round(time.Minute)/time.Minute), "minute", "minutes")
	case d < 48*time.Hour:
		return unit(int64(d.Round(time.Hour)/time.Hour), "hour", "hours")
	}
	return unit(int64(d.Round(24*time.Hour)/(24*time.Hour)), "day", "days")
}

func nounFor(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Text lays the table out in aligned columns for a monospaced text view, or returns the empty
// message when there are no rows.
func (v RecView) Text() string {
	if len(v.Rows) == 0 {
		return v.EmptyMessage
	}
	widths := make([]int, len(v.Columns))
	for _, row := range append([][]string{v.Columns}, v.Rows...) {
		for i, cell := range row {
			if i < len(widths) {
				widths[i] = max(widths[i], utf8.RuneCountInString(cell))
			}
		}
	}
	var b strings.Builder
	for _, row := range append([][]string{v.Columns}, v.Rows...) {
		var line strings.Builder
		for i, cell := range row {
			if i >= len(widths) {
				break
			}
			if i > 0 {
				line.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			if i < len(v.RightAlign) && v.RightAlign[i] {
				line.WriteString(pad + cell)
			} else {
				line.WriteString(cell + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	return b.String()
}
