package desktop

import (
	"fmt"
	"path/filepath"
	"strings"
)

// LoginItemStatus is what macOS's SMAppService reports for the app's login item; the values
// are SMAppServiceStatus's.
type LoginItemStatus int

// SMAppServiceStatus values.
const (
	LoginNotRegistered    LoginItemStatus = 0
	LoginEnabled          LoginItemStatus = 1
	LoginRequiresApproval LoginItemStatus = 2 // registered; the user has not allowed it yet
	LoginNotFound         LoginItemStatus = 3 // also what a bundle reports before its first registration
)

// loginItemsPane is where macOS lists login items.
const loginItemsPane = "System Settings › General › Login Items"

// LoginItemView is how Preferences shows opening at login.
type LoginItemView struct {
	Checked bool
	// Enabled is false where the checkbox cannot work: outside Inferbench.app.
	Enabled bool
	Note    string // a line under the checkbox
	// OfferSettings shows a button that opens the Login Items settings.
	OfferSettings bool
}

// bareBinaryNote explains why the checkbox is off outside the app bundle.
const bareBinaryNote = "Opening at login works only for Inferbench.app, not the bare binary: build the app with make app (see docs/macos.md)."

// LoginItemViewFor shows status. inBundle says whether the running binary is inside an app
// bundle: only a bundle can be a login item, and that, not the status, decides the hint,
// because a bundle also reports LoginNotFound until it is first registered.
func LoginItemViewFor(status LoginItemStatus, inBundle bool) LoginItemView {
	v := LoginItemView{Checked: registered(status), Enabled: inBundle}
	switch status {
	case LoginEnabled:
		v.Note = "Inferbench opens when you log in."
	case LoginRequiresApproval:
		v.Note = "Waiting for your approval: allow Inferbench in " + loginItemsPane + ". Uncheck to withdraw the request."
		v.OfferSettings = true
	case LoginNotRegistered, LoginNotFound:
		v.Note = "Inferbench does not open at login."
	default:
		v.Note = fmt.Sprintf("macOS reports a login item status this version does not know (%d).", int(status))
	}
	if !inBundle {
		v.Note = bareBinaryNote
		v.OfferSettings = false
	}
	return v
}

// registered reports whether the login item is registered, allowed or not yet.
func registered(status LoginItemStatus) bool {
	return status == LoginEnabled || status == LoginRequiresApproval
}

// LoginChange is what saving Preferences does to the login item.
type LoginChange int

// The changes: none, register, unregister.
const (
	LoginKeep LoginChange = iota
	LoginRegister
	LoginUnregister
)

// LoginChangeFor compares what the user asks with what macOS reports. A registration waiting
// for approval counts as registered, so unchecking it withdraws it.
func LoginChangeFor(status LoginItemStatus, want bool) LoginChange {
	switch {
	case want && !registered(status):
		return LoginRegister
	case !want && registered(status):
		return LoginUnregister
	}
	return LoginKeep
}

// LoginOutcome is what the user is told after a change, if anything.
type LoginOutcome struct {
	Title, Text   string // an empty Title: nothing to say
	Problem       bool   // a warning rather than information
	OfferSettings bool
}

// LoginOutcomeFor describes a change from its error (nil when SMAppService reported none) and
// the status macOS reports after it. A registration that needs approval is not a failure,
// whether or not the call reported an error.
func LoginOutcomeFor(change LoginChange, err error, after LoginItemStatus, inBundle bool) LoginOutcome {
	switch {
	case change == LoginRegister && after == LoginRequiresApproval:
		return LoginOutcome{Title: "Allow Inferbench to open at login",
			Text:          "macOS asks you to allow it in " + loginItemsPane + ". Inferbench opens at login once you do.",
			OfferSettings: true}
	case change == LoginRegister && after == LoginEnabled, change == LoginUnregister && !registered(after), change == LoginKeep:
		return LoginOutcome{}
	}
	title := "Inferbench could not turn on opening at login"
	if change == LoginUnregister {
		title = "Inferbench could not turn off opening at login"
	}
	text := "macOS reports: " + LoginItemViewFor(after, true).Note
	if err != nil {
		text = strings.TrimSpace(err.Error())
	}
	if !inBundle {
		text += "\n\n" + bareBinaryNote
	} else {
		text += "\n\nYou can change it in " + loginItemsPane + "."
	}
	return LoginOutcome{Title: title, Text: text, Problem: true, OfferSettings: inBundle}
}

// InAppBundle reports whether exe is an app bundle's main executable: X.app/Contents/MacOS/x.
func InAppBundle(exe string) bool {
	macos := filepath.Dir(exe)
	contents := filepath.Dir(macos)
	return filepath.Base(macos) == "MacOS" && filepath.Base(contents) == "Contents" &&
		strings.HasSuffix(filepath.Dir(contents), ".app")
}
