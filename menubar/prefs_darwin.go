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
	loginNote                                 appkit.TextField
	loginSettings                             appkit.Button
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
	p.loginNote = hint("")
	p.loginSettings = button("Open Login Items…", openLoginItemsSettings)

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
	form.AddRow("", p.loginNote)
	form.AddRow("", p.loginSettings)
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
}

// fillLogin shows the login item as macOS reports it, which the user may have changed in
// System Settings since the preferences were saved.
func (p *prefsWindow) fillLogin(v desktop.LoginItemView) {
	p.launchAtLogin.SetState(checkState(v.Checked))
	p.launchAtLogin.SetEnabled(v.Enabled)
	p.loginNote.SetStringValue(v.Note)
	p.loginSettings.SetHidden(!v.OfferSettings)
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
	s.prefs.fill(s.deps.Preferences().Form())
	status, err := loginItemStatus()
	view := desktop.LoginItemViewFor(status, desktop.InAppBundle(s.deps.Executable()))
	if err != nil {
		view = desktop.LoginItemView{Note: err.Error()}
	}
	s.prefs.fillLogin(view)
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
			s.applyLaunchAtLogin(p.LaunchAtLogin)
		})
	}()
}

// applyLaunchAtLogin registers or unregisters the login item as the checkbox asks, a pending
// registration included, and says what came of it.
func (s *shell) applyLaunchAtLogin(want bool) {
	status, err := loginItemStatus()
	if err != nil {
		showAlert(appkit.AlertStyleWarning, "Inferbench could not read whether it opens at login", err.Error())
		return
	}
	change := desktop.LoginChangeFor(status, want)
	if change == desktop.LoginKeep {
		return
	}
	err = changeLoginItem(change)
	after, _ := loginItemStatus()
	o := desktop.LoginOutcomeFor(change, err, after, desktop.InAppBundle(s.deps.Executable()))
	if o.Title == "" {
		return
	}
	style := appkit.AlertStyleInformational
	if o.Problem {
		style = appkit.AlertStyleWarning
	}
	if !o.OfferSettings {
		showAlert(style, o.Title, o.Text)
		return
	}
	if showAlert(style, o.Title, o.Text, "Open Login Items", "OK") == appkit.AlertFirstButtonReturn {
		openLoginItemsSettings()
	}
}
