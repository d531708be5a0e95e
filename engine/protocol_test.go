package engine

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeEvent(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		wantErr string // substring of the error; empty for success
		check   func(*event) bool
	}{
		{"hello", `{"type":"hello","protocol":2,"pid":7,"python":"3.11","mlx":"0.32.4","mlx_lm":"0.32.2","backend":"cpu","device":"x","memory_bytes":1,"recommended_working_set_bytes":null}`,
			"", func(e *event) bool {
				return e.Hello != nil && e.Hello.Backend == "cpu" && e.Hello.RecommendedWorkingSetBytes == nil
			}},
		{"future protocol", `{"type":"hello","protocol":3,"backend":"cpu","mlx":"1"}`, "speaks protocol 3", nil},
		{"sample", `{"type":"sample","id":"m-1","rep":0,"ttft_ms":5,"prefill_tokens_per_sec":10,"decode_ms":2,"decode_tokens_per_sec":500,"token_latencies_ms":[1,1],"peak_memory_bytes":10,"rss_bytes":20}`,
			"", func(e *event) bool { return e.Sample != nil && *e.ID == "m-1" && len(e.Sample.TokenLatenciesMs) == 2 }},
		{"sample without decode", `{"type":"sample","id":"m-1","rep":0,"ttft_ms":5,"prefill_tokens_per_sec":10,"decode_ms":0,"decode_tokens_per_sec":null,"token_latencies_ms":[],"peak_memory_bytes":10,"rss_bytes":20}`,
			"", func(e *event) bool { return e.Sample.DecodeTokensPerSec == nil }},
		{"sample with zero ttft", `{"type":"sample","id":"m","rep":0,"ttft_ms":0,"token_latencies_ms":[]}`, "ttft_ms must be positive", nil},
		{"sample with negative latency", `{"type":"sample","id":"m","rep":0,"ttft_ms":1,"token_latencies_ms":[1,-2]}`, "not a non-negative", nil},
		{"wrong field type", `{"type":"sample","id":"m","rep":"zero","ttft_ms":1}`, "malformed sample", nil},
		{"error", `{"type":"error","id":null,"kind":"invalid","message":"bad"}`,
			"", func(e *event) bool { return e.ID == nil && e.Error.Kind == "invalid" }},
		{"unknown error kind", `{"type":"error","id":"x","kind":"boom","message":"?"}`, "unknown error kind", nil},
		{"not JSON", `Traceback (most recent call last):`, "not a JSON object", nil},
		{"no type", `{"id":"x"}`, "no type field", nil},
		{"unknown type", `{"type":"gossip"}`, "unknown event type", nil},
		{"numeric id", `{"type":"done","id":3,"repeats":1}`, "id is not a string", nil},
		{"loaded without params", `{"type":"loaded","id":"l","params":0,"weight_bytes":0}`, "without params", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := decodeEvent([]byte(tt.line))
			if tt.wantErr != "" {
				var perr *ProtocolError
				if !errors.As(err, &perr) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want a ProtocolError containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(ev) {
				t.Fatalf("decoded %+v", ev)
			}
		})
	}
}
