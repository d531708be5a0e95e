package measure

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"syscall"
	"time"

	resources "github.com/inferbench/inferbench/Resources"
	"github.com/inferbench/inferbench/app"
	"github.com/inferbench/inferbench/app/agent"
	"github.com/inferbench/inferbench/app/cli/command"
	"github.com/inferbench/inferbench/engine"
	"github.com/inferbench/inferbench/storage"
)

// agentStatus is what `inferbench status` reports.
type agentStatus struct {
	State          string            `json:"state"`
	Reason         string            `json:"reason"`
	Current        string            `json:"current"`
	AgentPID       int               `json:"agent_pid"`
	UpdatedAt      string            `json:"updated_at"`
	IdleSeconds    float64           `json:"idle_seconds"`
	PowerSource    string            `json:"power_source"`
	ThermalState   string            `json:"thermal_state"`
	TemperatureC   float64           `json:"temperature_c"`
	LowPower       string            `json:"low_power"`
	QueueLength    int               `json:"queue_length"`
	WouldRun       bool              `json:"would_run"`
	WouldRunReason string            `json:"would_run_reason"`
	Notes          []string          `json:"notes"`
	Conditions     []statusCondition `json:"conditions"`
}

// statusCondition is one of the policy's conditions: holds, does not hold, unknown (a sensor
// that cannot be read, which counts against running), not present (the machine has no such
// sensor) or not required.
type statusCondition struct {
	Name   string `json:"name"`
	State  string `json:"state"`
	Detail string `json:"detail"`
}

func Status(ctx context.Context, env app.Env, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		db     command.DBOptions
		format string
		pf     policyFlags
	)
	db.AddFlags(fs, env)
	command.FormatFlag(fs, &format, command.TableOrJSON)
	pf.add(fs)
	command.SetUsage(fs, stderr, command.HelpText{
		Synopsis: "status [flags]",
		Description: `Shows what the background agent is doing, the queue, and each condition for running (idle, power,
thermal, low-power) with its reading and whether it holds, does not hold, is unknown (a sensor
that cannot be read, which counts against running), is not present (the machine has no such
sensor, which does not) or is not required by the policy. Policy flags ask what an agent with
other settings would do.`,
		Examples: []string{"status", "status --idle 0 --ac-only=false", "status --format json"},
		Exits:    []command.ExitMeaning{command.Done("shown"), {Code: command.ExitFailure, Meaning: "the database cannot be read"}, {Code: command.ExitUsage, Meaning: "bad flags"}},
	})
	if err := fs.Parse(args); err != nil {
		return command.UsageError(err)
	}
	if err := command.CheckFormat(format, command.TableOrJSON); err != nil {
		return err
	}
	policy, err := pf.resolve()
	if err != nil {
		return err
	}
	store, err := db.OpenReadOnly(ctx, env)
	if err != nil {
		return err
	}
	defer store.Close()

	st := agentStatus{State: string(agent.StateStopped), Reason: "no agent is running: start one with inferbench agent"}
	as, err := store.GetAgentState(ctx)
	switch {
	case errors.Is(err, storage.ErrNotFound):
	case err != nil:
		return err
	case alive(as.PID) && as.State != string(agent.StateStopped):
		st.State, st.Reason, st.Current, st.AgentPID = as.State, as.Reason, as.Current, as.PID
		st.QueueLength = as.Pending
		st.UpdatedAt = as.UpdatedAt.UTC().Format(time.RFC3339)
	default:
		st.Reason = fmt.Sprintf("no agent is running (the last one was %s at %s): start one with inferbench agent",
			as.State, as.UpdatedAt.Local().Format("2006-01-02 15:04"))
		st.UpdatedAt = as.UpdatedAt.UTC().Format(time.RFC3339)
	}
	if st.AgentPID == 0 {
		if st.QueueLength, err = queueLength(ctx, store); err != nil {
			return err
		}
	}
	r := env.ReadSensors(ctx)
	st.IdleSeconds, st.PowerSource, st.ThermalState = r.IdleSeconds, string(r.Power), string(r.Thermal)
	st.TemperatureC, st.LowPower, st.Notes = r.TemperatureC, string(r.LowPower), r.Notes
	st.WouldRun, st.WouldRunReason = policy.Check(r)
	for _, c := range policy.Conditions(r) {
		st.Conditions = append(st.Conditions, statusCondition{c.Name, string(c.State), c.Detail})
	}

	if format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	line := st.State
	if st.Reason != "" {
		line += ": " + st.Reason
	}
	if st.Current != "" {
		line += ": " + st.Current
	}
	fmt.Fprintln(stdout, line)
	fmt.Fprintf(stdout, "queue          %d configurations to measure\n", st.QueueLength)
	readings := map[string]string{"idle": "unknown", "power": st.PowerSource, "thermal": st.ThermalState, "low-power": st.LowPower}
	if st.IdleSeconds >= 0 {
		readings["idle"] = (time.Duration(st.IdleSeconds) * time.Second).String()
	}
	if st.TemperatureC > 0 {
		readings["thermal"] += fmt.Sprintf(" (%.0f °C)", st.TemperatureC)
	}
	for _, c := range st.Conditions {
		fmt.Fprintf(stdout, "%-14s %-12s %s: %s\n", c.Name, readings[c.Name], c.State, c.Detail)
	}
	verdict := "yes"
	if !st.WouldRun {
		verdict = "no: " + st.WouldRunReason
	}
	fmt.Fprintf(stdout, "would run now  %s\n", verdict)
	if len(st.Notes) > 0 {
		fmt.Fprintf(stdout, "sensors        %s\n", strings.Join(st.Notes, "\n               "))
	}
	return nil
}

// queueLength counts queued configurations without a result from the MLX this machine last
// measured with, which is what an agent started now would see, short of starting a worker.
func queueLength(ctx context.Context, store *storage.DB) (int, error) {
	items, err := store.Queue(ctx)
	if err != nil || len(items) == 0 {
		return 0, err
	}
	latest, err := store.Runs(ctx, storage.RunFilter{Limit: 1})
	if err != nil {
		return 0, err
	}
	if len(latest) == 0 {
		return len(items), nil
	}
	cat, err := engine.ParseCatalog(resources.Catalog())
	if err != nil {
		return 0, err
	}
	l := latest[0]
	pending, err := agent.PendingWork(ctx, store, cat, engine.DetectMachine(), engine.Hello{Backend: l.Backend, MLX: l.MLXVersion, MLXLM: l.MLXLMVersion})
	return len(pending), err
}

// alive reports whether a process with this id exists.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
