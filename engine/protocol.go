package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// ProtocolVersion is the worker protocol this engine speaks (docs/protocol.md).
const ProtocolVersion = 2

// Hello is the worker's first line: who it is and what it runs on.
type Hello struct {
	Protocol                   int    `json:"protocol"`
	PID                        int    `json:"pid"`
	Python                     string `json:"python"`
	MLX                        string `json:"mlx"`
	MLXLM                      string `json:"mlx_lm"`
	Backend                    string `json:"backend"`
	Device                     string `json:"device"`
	MemoryBytes                int64  `json:"memory_bytes"`
	RecommendedWorkingSetBytes *int64 `json:"recommended_working_set_bytes"`
}

// Loaded answers a load request.
type Loaded struct {
	Model        string        `json:"model"`
	Architecture string        `json:"architecture"`
	Weights      string        `json:"weights"`
	WeightsPath  *string       `json:"weights_path"`
	Precision    string        `json:"precision"`
	DType        string        `json:"dtype"`
	Quantization *Quantization `json:"quantization"`
	Params       int64         `json:"params"`
	WeightBytes  int64         `json:"weight_bytes"`
	MaxPositions int           `json:"max_positions"`
	VocabSize    int           `json:"vocab_size"`
	LoadMs       float64       `json:"load_ms"`
	Note         string        `json:"note"`
	// The cache's shape, for the bytes a decoded token reads; zero when the worker cannot tell.
	Layers          int   `json:"layers"`
	KVBytesPerToken int64 `json:"kv_bytes_per_token"`
}

// Quantization describes how weights were quantized.
type Quantization struct {
	Mode      string `json:"mode"`
	Bits      int    `json:"bits"`
	GroupSize int    `json:"group_size"`
}

// Sample is one measured repetition.
type Sample struct {
	Rep                 int       `json:"rep"`
	TTFTMs              float64   `json:"ttft_ms"`
	PrefillMs           float64   `json:"prefill_ms"` // all prompt tokens but the last
	PrefillTokensPerSec float64   `json:"prefill_tokens_per_sec"`
	DecodeMs            float64   `json:"decode_ms"`
	DecodeTokensPerSec  *float64  `json:"decode_tokens_per_sec"`
	TokenLatenciesMs    []float64 `json:"token_latencies_ms"`
	PeakMemoryBytes     int64     `json:"peak_memory_bytes"`
	RSSBytes            int64     `json:"rss_bytes"`
	// Unix seconds at the start of prefill, the first token and the last: the windows over which
	// power meters are read.
	WallStart      float64 `json:"wall_start"`
	WallFirstToken float64 `json:"wall_first_token"`
	WallEnd        float64 `json:"wall_end"`
	// Process is the worker process (0, 1, …) that measured it, set by the runner.
	Process int `json:"-"`
}

// workerError is an error event.
type workerError struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// Error kinds a worker reports.
const (
	KindInvalid  = "invalid"
	KindOOM      = "oom"
	KindInternal = "internal"
)

// event is one decoded line from the worker; exactly one payload field is set.
type event struct {
	Type    string
	ID      *string
	Hello   *Hello
	Loaded  *Loaded
	Sample  *Sample
	Warmup  *warmupEvent
	Done    *doneEvent
	Error   *workerError
	RawLine string
}

type warmupEvent struct {
	Rep       int     `json:"rep"`
	ElapsedMs float64 `json:"elapsed_ms"`
}

type doneEvent struct {
	Repeats   int     `json:"repeats"`
	ElapsedMs float64 `json:"elapsed_ms"`
}

// ProtocolError is a line from the worker that breaks the protocol.
type ProtocolError struct {
	Line   string
	Reason string
}

func (e *ProtocolError) Error() string {
	line := e.Line
	if len(line) > 200 {
		line = line[:200] + "…"
	}
	return fmt.Sprintf("worker broke protocol v%d: %s (line: %q)", ProtocolVersion, e.Reason, line)
}

// decodeEvent parses and validates one line of worker output.
func decodeEvent(line []byte) (*event, error) {
	bad := func(format string, args ...any) error {
		return &ProtocolError{Line: string(line), Reason: fmt.Sprintf(format, args...)}
	}
	var head struct {
		Type string          `json:"type"`
		ID   json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(line, &head); err != nil {
		return nil, bad("not a JSON object: %v", err)
	}
	ev := &event{Type: head.Type, RawLine: string(line)}
	if len(head.ID) > 0 && !bytes.Equal(head.ID, []byte("null")) {
		var id string
		if err := json.Unmarshal(head.ID, &id); err != nil {
			return nil, bad("id is not a string")
		}
		ev.ID = &id
	}
	strict := func(v any) error {
		dec := json.NewDecoder(bytes.NewReader(line))
		if err := dec.Decode(v); err != nil {
			return bad("malformed %s event: %v", head.Type, err)
		}
		return nil
	}
	switch head.Type {
	case "hello":
		ev.Hello = new(Hello)
		if err := strict(ev.Hello); err != nil {
			return nil, err
		}
		if ev.Hello.Protocol != ProtocolVersion {
			return nil, bad("worker speaks protocol %d, this inferbench speaks %d: the worker and binary come from different versions; rebuild or reinstall inferbench", ev.Hello.Protocol, ProtocolVersion)
		}
		if ev.Hello.Backend == "" || ev.Hello.MLX == "" {
			return nil, bad("hello without backend or mlx version")
		}
	case "loaded":
		ev.Loaded = new(Loaded)
		if err := strict(ev.Loaded); err != nil {
			return nil, err
		}
		if ev.Loaded.Params <= 0 || ev.Loaded.WeightBytes <= 0 {
			return nil, bad("loaded event without params or weight_bytes")
		}
	case "warmup":
		ev.Warmup = new(warmupEvent)
		if err := strict(ev.Warmup); err != nil {
			return nil, err
		}
	case "sample":
		ev.Sample = new(Sample)
		if err := strict(ev.Sample); err != nil {
			return nil, err
		}
		if err := validSample(ev.Sample); err != nil {
			return nil, bad("%v", err)
		}
	case "done":
		ev.Done = new(doneEvent)
		if err := strict(ev.Done); err != nil {
			return nil, err
		}
	case "error":
		ev.Error = new(workerError)
		if err := strict(ev.Error); err != nil {
			return nil, err
		}
		switch ev.Error.Kind {
		case KindInvalid, KindOOM, KindInternal:
		default:
			return nil, bad("unknown error kind %q", ev.Error.Kind)
		}
	case "":
		return nil, bad("no type field")
	default:
		return nil, bad("unknown event type %q", head.Type)
	}
	return ev, nil
}

func validSample(s *Sample) error {
	switch {
	case s.TTFTMs <= 0:
		return fmt.Errorf("sample %d: ttft_ms must be positive, got %v", s.Rep, s.TTFTMs)
	case s.DecodeMs < 0:
		return fmt.Errorf("sample %d: negative decode_ms", s.Rep)
	case s.DecodeTokensPerSec != nil && *s.DecodeTokensPerSec <= 0:
		return fmt.Errorf("sample %d: decode_tokens_per_sec must be positive", s.Rep)
	case s.PeakMemoryBytes < 0 || s.RSSBytes < 0:
		return fmt.Errorf("sample %d: negative memory", s.Rep)
	}
	for _, l := range s.TokenLatenciesMs {
		if !(l >= 0) {
			return fmt.Errorf("sample %d: token latency %v is not a non-negative number", s.Rep, l)
		}
	}
	return nil
}
