package storage

import "testing"

func TestDefaultPath(t *testing.T) {
	tests := []struct {
		name string
		goos string
		env  map[string]string
		home string
		want string
	}{
		{"macOS", "darwin", nil, "/Users/ada", "/Users/ada/Library/Application Support/Inferbench/inferbench.db"},
		{"macOS ignores XDG", "darwin", map[string]string{"XDG_DATA_HOME": "/xdg"}, "/Users/ada", "/Users/ada/Library/Application Support/Inferbench/inferbench.db"},
		{"linux with XDG_DATA_HOME", "linux", map[string]string{"XDG_DATA_HOME": "/data/ada"}, "/home/ada", "/data/ada/inferbench/inferbench.db"},
		{"linux without XDG_DATA_HOME", "linux", nil, "/home/ada", "/home/ada/.local/share/inferbench/inferbench.db"},
		{"relative XDG_DATA_HOME is ignored", "linux", map[string]string{"XDG_DATA_HOME": "data"}, "/home/ada", "/home/ada/.local/share/inferbench/inferbench.db"},
		{"other unix", "freebsd", nil, "/home/ada", "/home/ada/.local/share/inferbench/inferbench.db"},
		{"XDG without home", "linux", map[string]string{"XDG_DATA_HOME": "/data/ada"}, "", "/data/ada/inferbench/inferbench.db"},
		{"no home", "linux", nil, "", ""},
		{"no home on macOS", "darwin", nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := func(k string) string { return tt.env[k] }
			if got := DefaultPath(tt.goos, env, tt.home); got != tt.want {
				t.Errorf("DefaultPath(%q, %v, %q) = %q, want %q", tt.goos, tt.env, tt.home, got, tt.want)
			}
		})
	}
}
