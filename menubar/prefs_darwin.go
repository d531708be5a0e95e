package menubar

import (
	"strings"

	"github.com/progrium/darwinkit/helper/widgets"
	"github.com/progrium/darwinkit/macos/appkit"

	"github.com/inferbench/inferbench/app/desktop"
)

// prefsWindow holds one control per preference; desktop.PreferencesForm parses what they hold.
type prefsWindow struct {
	win                                       appkit.Window
	idle, models, precisions, budget, latency appkit.TextField
	requireAC, launchAtLogin                  appkit.Button
	thermal                                   appkit.PopUpButton
}

func (s *shell) newPrefsWindow() *prefsWindow {
	p := &prefsWindow{win: newWindow("Inferbench Preferences", 620, 460)}
	st := newStack(p.win)
	field := func(placeholder string) appkit.TextField {
		f := appkit.NewTextField()
		f.SetPlaceholderString(placeholder)
		return f
	}
	hint := func(text string) appkit.TextField {
		l := appkit.TextField_WrappingLabelWithString(text)
		l.SetFont(appkit.Font_SystemFontOfSize(11))
		l.SetTextColor(appkit.Color_SecondaryLabelColor())
		return l
	}
	p.idle = field("minutes, or a duration such as 90s")
	p.requireAC = appkit.NewCheckBox("Only on AC power")
	p.thermal = appkit.NewPopUpButton()
	p.thermal.AddItemsWithTitles(desktop.ThermalChoices)
	p.models = field("gpt2, gpt2-medium")
	p.precisions = field("fp16, int8, int4")
	p.budget = field("16GiB")
	p.latency = field("200")
	p.launchAtLogin = appkit.NewCheckBox("Open Inferbench at login")

	form := widgets.NewFormView()
	form.SetLabelWidth(150)
	form.SetLabelAlignment(widgets.LabelAlignmentTrailing)
	form.SetLabelControlSpacing(10)
	form.AddRow("Idle for at least", p.idle)
	form.AddRow("Power", p.requireAC)
	form.AddRow("Hottest thermal state", p.thermal)
	form.AddRow("Models", p.models)
	form.AddRow("", hint("From the catalog: "+strings.Join(s.deps.ModelChoices(), ", ")+"; or a checkpoint folder"))
	form.AddRow("Precisions", p.precisions)
	form.AddRow("", hint(strings.Join(s.deps.PrecisionChoices(), ", ")))
	form.AddRow("Memory budget", p.budget)
	form.AddRow("Interactive under (ms/token)", p.latency)
	form.AddRow("Login", p.launchAtLogin)
	st.AddArrangedSubview(form.GridView)

	buttons := appkit.NewHorizontalStackView()
	buttons.AddArrangedSubview(button("Export CSV…", s.exportCSV))
	buttons.AddArrangedSubview(appkit.NewView()) // pushes the rest to the right
	buttons.AddArrangedSubview(button("Cancel", func() { p.win.Close() }))
	save := button("Save", func() { s.savePreferences() })
	save.SetKeyEquivalent("\r")
	buttons.AddArrangedSubview(save)
	st.AddArrangedSubview(buttons)
	return p
}

func (p *prefsWindow) fill(f desktop.PreferencesForm) {
	p.idle.SetStringValue(f.IdleThreshold)
	p.requireAC.SetState(checkState(f.RequireAC))
	p.thermal.SelectItemWithTitle(f.MaxThermal)
	p.models.SetStringValue(f.Models)
	p.precisions.SetStringValue(f.Precisions)
	p.budget.SetStringValue(f.MemoryBudget)
	p.latency.SetStringValue(f.LatencyMs)
	p.launchAtLogin.SetState(checkState(f.LaunchAtLogin))
}

func (p *prefsWindow) form() desktop.PreferencesForm {
	return desktop.PreferencesForm{IdleThreshold: p.idle.StringValue(), RequireAC: p.requireAC.State() == appkit.ControlStateValueOn,
		MaxThermal: p.thermal.TitleOfSelectedItem(), Models: p.models.StringValue(), Precisions: p.precisions.StringValue(),
		MemoryBudget: p.budget.StringValue(), LatencyMs: p.latency.StringValue(),
		LaunchAtLogin: p.launchAtLogin.State() == appkit.ControlStateValueOn}
}

func checkState(on bool) appkit.ControlStateValue {
	if on {
		return appkit.ControlStateValueOn
	}
	return appkit.ControlStateValueOff
}

func (s *shell) showPreferences() {
	if s.prefs == nil {
		s.prefs = s.newPrefsWindow()
	}
	prefs := s.deps.Preferences().Form()
	prefs.LaunchAtLogin = launchAtLoginEnabled() // the system's setting, which the user may change in System Settings
	s.prefs.fill(prefs)
	s.activate()
	s.prefs.win.MakeKeyAndOrderFront(nil)
}

// savePreferences parses and saves the form; problems are listed in one alert and the window
// stays open to fix them.
func (s *shell) savePreferences() {
	p, err := s.prefs.form().Preferences()
	if err != nil {
		showAlert(appkit.AlertStyleWarning, "Some preferences are not valid", lines(err))
		return
	}
	win := s.prefs.win
	go func() {
		err := s.deps.SavePreferences(s.ctx, p)
		onMain(func() {
			if err != nil {
				showAlert(appkit.AlertStyleWarning, "Some preferences are not valid", lines(err))
				return
			}
			win.Close()
			if p.LaunchAtLogin != launchAtLoginEnabled() {
				if err := setLaunchAtLogin(p.LaunchAtLogin); err != nil {
					showAlert(appkit.AlertStyleWarning, "Inferbench could not change whether it opens at login", err.Error())
				}
			}
		})
	}()
}
