package agent

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/app/internal/apptest"
	"github.com/inferbench/inferbench/engine/sensors"
)

// A server as the README's recipe meets it: no battery (mains), no thermal zones, no idle signal
// yet, no low-power mode.
func serverReading() sensors.Reading {
	return sensors.Reading{IdleSeconds: -1, Power: sensors.PowerAC, Thermal: sensors.ThermalAbsent, LowPower: sensors.Unknown}
}

func TestPolicyConditions(t *testing.T) {
	recipe := DefaultPolicy()
	recipe.IdleThreshold, recipe.RequireAC = 0, false
	tests := []struct {
		name   string
		policy Policy
		r      sensors.Reading
		want   map[string]ConditionState
		ok     bool
	}{
		{"server recipe", recipe, serverReading(),
			map[string]ConditionState{"idle": NotAsked, "power": NotAsked, "thermal": NotPresent, "low-power": NotPresent}, true},
		{"server, default policy", DefaultPolicy(), serverReading(),
			map[string]ConditionState{"idle": Unreadable, "power": Holds, "thermal": NotPresent, "low-power": NotPresent}, false},
		{"laptop on battery, hot", DefaultPolicy(),
			sensors.Reading{IdleSeconds: 600, Power: sensors.PowerBattery, Thermal: sensors.ThermalSerious, LowPower: sensors.False},
			map[string]ConditionState{"idle": Holds, "power": Fails, "thermal": Fails, "low-power": Holds}, false},
		{"unreadable thermal zones", recipe,
			sensors.Reading{IdleSeconds: 600, Power: sensors.PowerAC, Thermal: sensors.ThermalUnknown, LowPower: sensors.False},
			map[string]ConditionState{"idle": NotAsked, "power": NotAsked, "thermal": Unreadable, "low-power": Holds}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]ConditionState{}
			for _, c := range tt.policy.Conditions(tt.r) {
				got[c.Name] = c.State
				if c.Detail == "" {
					t.Errorf("%s has no detail", c.Name)
				}
			}
			for name, want := range tt.want {
				if got[name] != want {
					t.Errorf("%s = %q, want %q", name, got[name], want)
				}
			}
			if ok, reason := tt.policy.Check(tt.r); ok != tt.ok {
				t.Errorf("Check = %v (%q), want %v", ok, reason, tt.ok)
			}
		})
	}
}

// With Once, a sensor that cannot be read ends Run with the reason instead of waiting forever;
// one the machine lacks does not stop it measuring the queue.
func TestOnceCannotProgress(t *testing.T) {
	for _, tt := range []struct {
		name    string
		thermal sensors.Thermal
		wantErr string
	}{
		{"absent thermal sensor", sensors.ThermalAbsent, ""},
		{"unreadable thermal sensor", sensors.ThermalUnknown, "thermal state unknown"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := &apptest.Measurer{}
			rig := newRigWith(t, m, queued("tiny-gpt2", 16, 1))
			rig.cancel() // the rig's own controller; this test runs one with Once
			<-rig.done
			rig.done <- nil
			rig.sensors.set(func(r *sensors.Reading) { r.Thermal = tt.thermal })
			cfg := rig.ctl.cfg
			cfg.Once = true
			ctl := NewController(cfg)
			ctl.Start()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := ctl.Run(ctx)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Run = %v, want the queue measured", err)
			case tt.wantErr == "" && len(m.Ran()) != 1:
				t.Fatalf("ran %v, want the one queued configuration", m.Ran())
			case tt.wantErr != "" && (!errors.Is(err, ErrCannotProgress) || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Run = %v, want %v naming %q", err, ErrCannotProgress, tt.wantErr)
			case tt.wantErr != "" && len(m.Ran()) != 0:
				t.Fatalf("ran %v while a sensor was unreadable", m.Ran())
			}
		})
	}
}
