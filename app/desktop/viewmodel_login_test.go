package desktop

import (
	"errors"
	"strings"
	"testing"
)

func TestLoginItemViewStates(t *testing.T) {
	tests := []struct {
		name     string
		status   LoginItemStatus
		inBundle bool
		checked  bool
		enabled  bool
		settings bool
		note     string // a part of the note
	}{
		{"enabled", LoginEnabled, true, true, true, false, "opens when you log in"},
		{"requires approval", LoginRequiresApproval, true, true, true, true, "allow Inferbench in System Settings › General › Login Items"},
		{"not registered", LoginNotRegistered, true, false, true, false, "does not open at login"},
		// A bundle reports not found before its first registration: no bare-binary hint.
		{"not found in a bundle", LoginNotFound, true, false, true, false, "does not open at login"},
		{"not found, bare binary", LoginNotFound, false, false, false, false, "only for Inferbench.app, not the bare binary"},
		{"not registered, bare binary", LoginNotRegistered, false, false, false, false, "only for Inferbench.app"},
		{"unknown status", LoginItemStatus(7), true, false, true, false, "does not know (7)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := LoginItemViewFor(tt.status, tt.inBundle)
			if v.Checked != tt.checked || v.Enabled != tt.enabled || v.OfferSettings != tt.settings {
				t.Errorf("LoginItemViewFor(%d, %v) = %+v, want checked %v enabled %v settings %v",
					tt.status, tt.inBundle, v, tt.checked, tt.enabled, tt.settings)
			}
			if !strings.Contains(v.Note, tt.note) {
				t.Errorf("note %q, want it to contain %q", v.Note, tt.note)
			}
			if tt.inBundle && strings.Contains(v.Note, "bare binary") {
				t.Errorf("a bundle is told it is a bare binary: %q", v.Note)
			}
		})
	}
}

func TestLoginChangeFor(t *testing.T) {
	tests := []struct {
		status LoginItemStatus
		want   bool
		change LoginChange
	}{
		{LoginNotRegistered, true, LoginRegister},
		{LoginNotFound, true, LoginRegister},
		{LoginEnabled, true, LoginKeep},
		{LoginRequiresApproval, true, LoginKeep},
		{LoginEnabled, false, LoginUnregister},
		// A pending registration can be withdrawn from the checkbox.
		{LoginRequiresApproval, false, LoginUnregister},
		{LoginNotRegistered, false, LoginKeep},
		{LoginNotFound, false, LoginKeep},
	}
	for _, tt := range tests {
		if got := LoginChangeFor(tt.status, tt.want); got != tt.change {
			t.Errorf("LoginChangeFor(%d, %v) = %d, want %d", tt.status, tt.want, got, tt.change)
		}
	}
}

func TestLoginOutcomeFor(t *testing.T) {
	denied := errors.New("Operation not permitted")
	tests := []struct {
		name     string
		change   LoginChange
		err      error
		after    LoginItemStatus
		inBundle bool
		title    string // a part of the title; empty: nothing shown
		problem  bool
		text     string
	}{
		{"registered", LoginRegister, nil, LoginEnabled, true, "", false, ""},
		{"needs approval", LoginRegister, nil, LoginRequiresApproval, true, "Allow Inferbench", false, "Login Items"},
		// SMAppService may report an error while the item waits for approval: still not a failure.
		{"needs approval, with an error", LoginRegister, denied, LoginRequiresApproval, true, "Allow Inferbench", false, "Login Items"},
		{"register failed in a bundle", LoginRegister, denied, LoginNotFound, true, "could not turn on", true, "Operation not permitted"},
		{"register failed, bare binary", LoginRegister, denied, LoginNotFound, false, "could not turn on", true, "not the bare binary"},
		{"register reported success, still off", LoginRegister, nil, LoginNotRegistered, true, "could not turn on", true, "does not open at login"},
		{"unregistered", LoginUnregister, nil, LoginNotRegistered, true, "", false, ""},
		{"pending withdrawn", LoginUnregister, nil, LoginNotFound, true, "", false, ""},
		{"unregister failed", LoginUnregister, denied, LoginEnabled, true, "could not turn off", true, "Operation not permitted"},
		{"nothing to do", LoginKeep, nil, LoginEnabled, true, "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := LoginOutcomeFor(tt.change, tt.err, tt.after, tt.inBundle)
			if tt.title == "" {
				if o.Title != "" {
					t.Errorf("outcome %+v, want nothing shown", o)
				}
				return
			}
			if !strings.Contains(o.Title, tt.title) || o.Problem != tt.problem || !strings.Contains(o.Text, tt.text) {
				t.Errorf("outcome %+v, want title with %q, problem %v, text with %q", o, tt.title, tt.problem, tt.text)
			}
			if tt.inBundle && strings.Contains(o.Text, "bare binary") {
				t.Errorf("a bundle is told it is a bare binary: %q", o.Text)
			}
		})
	}
}

func TestInAppBundle(t *testing.T) {
	for exe, want := range map[string]bool{
		"/Applications/Inferbench.app/Contents/MacOS/inferbench":                true,
		"/Users/me/src/inferbench/bin/Inferbench.app/Contents/MacOS/inferbench": true,
		"/Users/me/src/inferbench/bin/inferbench":                               false,
		"/usr/local/bin/inferbench":                                             false,
		"/tmp/Contents/MacOS/inferbench":                                        false,
		"":                                                                      false,
	} {
		if got := InAppBundle(exe); got != want {
			t.Errorf("InAppBundle(%q) = %v, want %v", exe, got, want)
		}
	}
}
