package storage

import "path/filepath"

// DefaultPath returns where the database lives when no path is given:
//
//	macOS:  ~/Library/Application Support/Inferbench/inferbench.db
//	others: $XDG_DATA_HOME/inferbench/inferbench.db, or
//	        ~/.local/share/inferbench/inferbench.db when XDG_DATA_HOME is unset
//	        or relative (the XDG spec says to ignore relative values)
//
// goos is a runtime.GOOS value, env looks up an environment variable and home
// is the user's home folder. It returns "" when the path would need home and
// home is empty.
func DefaultPath(goos string, env func(string) string, home string) string {
	if goos != "darwin" {
		if xdg := env("XDG_DATA_HOME"); xdg != "" && filepath.IsAbs(xdg) {
			return filepath.Join(xdg, "inferbench", "inferbench.db")
		}
	}
	if home == "" {
		return ""
	}
	if goos == "darwin" {
		return filepath.Join(home, "Library", "Application Support", "Inferbench", "inferbench.db")
	}
	return filepath.Join(home, ".local", "share", "inferbench", "inferbench.db")
}
