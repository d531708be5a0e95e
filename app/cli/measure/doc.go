// Package measure holds the commands that measure and the agent's: run, sweep, agent and status,
// their shared grid flags and dry runs, and the sweeper that takes a grid through one session.
package measure
