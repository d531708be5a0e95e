package engine

import "testing"

func TestOOMKillCount(t *testing.T) {
	tests := []struct {
		name, text string
		want       int64
		ok         bool
	}{
		{"cgroup v2 memory.events", "low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n", 2, true},
		{"cgroup v1 memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 7\n", 7, true},
		{"old kernel without the count", "oom_kill_disable 0\nunder_oom 0\n", 0, false},
		{"garbage", "oom_kill lots\n", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := oomKillCount(tt.text)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("oomKillCount = %d, %v; want %d, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestCgroupMemoryDir(t *testing.T) {
	tests := []struct {
		name, text, want string
		v2               bool
	}{
		{"unified", "0::/user.slice/session-1.scope\n", "/sys/fs/cgroup/user.slice/session-1.scope", true},
		{"v1 memory controller", "5:cpu,cpuacct:/\n4:memory:/docker/abc\n0::/\n", "/sys/fs/cgroup/memory/docker/abc", false},
		{"none", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, v2 := cgroupMemoryDir(tt.text)
			if got != tt.want || v2 != tt.v2 {
				t.Fatalf("cgroupMemoryDir = %q, %v; want %q, %v", got, v2, tt.want, tt.v2)
			}
		})
	}
}

func TestOOMKillLine(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"Out of memory: Killed process 4321 (python3) total-vm:123kB, anon-rss:99kB", true},
		{"Memory cgroup out of memory: Killed process 4321 (python3) total-vm:1kB", true},
		{"oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),task=python3,pid=4321,uid=0", true},
		{"Out of memory: Killed process 43210 (python3)", false},
		{"oom-kill:constraint=CONSTRAINT_NONE,task=python3,pid=14321,uid=0", false},
		{"python3 invoked oom-killer: gfp_mask=0x0, order=0, oom_score_adj=0", false},
	}
	re := oomKillLine(4321)
	for _, tt := range tests {
		if got := re.MatchString(tt.line); got != tt.want {
			t.Errorf("%q: match %v, want %v", tt.line, got, tt.want)
		}
	}
}
