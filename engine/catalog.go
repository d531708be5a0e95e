package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Catalog lists the model architectures Inferbench can build and the precisions it can convert
// them to. It is read from the same catalog.json the worker reads, so the two never disagree.
type Catalog struct {
	Precisions map[string]Precision `json:"precisions"`
	Models     []CatalogModel       `json:"models"`
}

// Precision is one way of storing weights: a float dtype, or a quantization mode on top of one.
type Precision struct {
	DType     string `json:"dtype"`
	Mode      string `json:"mode,omitempty"`
	Bits      int    `json:"bits,omitempty"`
	GroupSize int    `json:"group_size,omitempty"`
}

// Quantized reports whether the precision quantizes weights.
func (p Precision) Quantized() bool { return p.Mode != "" }

// CatalogModel is a named architecture; its weights are random unless a checkpoint is found.
type CatalogModel struct {
	Name         string          `json:"name"`
	Description  string          `json:"description"`
	MaxPositions int             `json:"max_positions"`
	HFIDs        []string        `json:"hf_ids"`
	Test         bool            `json:"test"`
	Config       json.RawMessage `json:"config"`
}

// ParseCatalog decodes catalog.json.
func ParseCatalog(b []byte) (*Catalog, error) {
	var c Catalog
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("model catalog: %w", err)
	}
	if len(c.Models) == 0 || len(c.Precisions) == 0 {
		return nil, fmt.Errorf("model catalog: no models or no precisions")
	}
	return &c, nil
}

// Model returns the catalog entry with the given name.
func (c *Catalog) Model(name string) (CatalogModel, bool) {
	for _, m := range c.Models {
		if m.Name == name {
			return m, true
		}
	}
	return CatalogModel{}, false
}

// ModelNames lists the catalog's model names in catalog order; test models only when asked.
func (c *Catalog) ModelNames(withTest bool) []string {
	var names []string
	for _, m := range c.Models {
		if withTest || !m.Test {
			names = append(names, m.Name)
		}
	}
	return names
}

// PrecisionNames lists the precision names, sorted.
func (c *Catalog) PrecisionNames() []string {
	names := make([]string, 0, len(c.Precisions))
	for n := range c.Precisions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

var groupSuffix = regexp.MustCompile(`^(.+)-g([0-9]+)$`)

// Precision resolves a precision name, with an optional group-size suffix for quantized ones
// ("int4-g128").
func (c *Catalog) Precision(name string) (Precision, error) {
	if p, ok := c.Precisions[name]; ok {
		return p, nil
	}
	if m := groupSuffix.FindStringSubmatch(name); m != nil {
		p, ok := c.Precisions[m[1]]
		if ok {
			if !p.Quantized() {
				return Precision{}, &InvalidError{fmt.Sprintf("precision %q: a group size only applies to quantized precisions, and %s is not one", name, m[1])}
			}
			g, err := strconv.Atoi(m[2])
			if err != nil || g <= 0 {
				return Precision{}, &InvalidError{fmt.Sprintf("precision %q: group size must be a positive integer", name)}
			}
			p.GroupSize = g
			return p, nil
		}
	}
	return Precision{}, &InvalidError{fmt.Sprintf("unknown precision %q; choose one of %s (quantized ones take a group size suffix, e.g. int4-g128)",
		name, strings.Join(c.PrecisionNames(), ", "))}
}

// ModelRef says how a --model value is to be found.
type ModelRef struct {
	Arg          string // what the worker is sent: a catalog name, an absolute path or an HF id
	Source       string // "catalog", "path" or "hf"
	MaxPositions int    // 0 when only the worker can tell (an HF id not yet resolved)
}

var hfID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$`)

// ResolveModel turns a --model value into a reference: a catalog name, a checkpoint folder
// (anything that exists on disk, or starts with '.', '/' or '~'), or a Hugging Face id.
func (c *Catalog) ResolveModel(arg string) (ModelRef, error) {
	if m, ok := c.Model(arg); ok {
		return ModelRef{Arg: m.Name, Source: "catalog", MaxPositions: m.MaxPositions}, nil
	}
	looksLikePath := strings.HasPrefix(arg, ".") || strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, "~")
	if _, err := os.Stat(arg); err == nil || looksLikePath {
		return resolveCheckpoint(arg)
	}
	if hfID.MatchString(arg) {
		return ModelRef{Arg: arg, Source: "hf"}, nil
	}
	return ModelRef{}, &InvalidError{fmt.Sprintf("unknown model %q: use a catalog name (%s), a checkpoint folder, or a Hugging Face id already in the local cache (org/name)",
		arg, strings.Join(c.ModelNames(false), ", "))}
}

func resolveCheckpoint(arg string) (ModelRef, error) {
	path := arg
	if strings.HasPrefix(path, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, path[2:])
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return ModelRef{}, &InvalidError{fmt.Sprintf("model path %q: %v", arg, err)}
	}
	cfg, err := ReadModelConfig(abs)
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return ModelRef{}, &InvalidError{fmt.Sprintf("model folder %s has no readable config.json (%v): pass a folder with config.json and model*.safetensors, or a catalog name", abs, err)}
	}
	if err != nil {
		return ModelRef{}, &InvalidError{err.Error()}
	}
	return ModelRef{Arg: abs, Source: "path", MaxPositions: maxPositions(cfg)}, nil
}

// ReadModelConfig reads a checkpoint folder's config.json, the one place Inferbench parses it.
func ReadModelConfig(dir string) (map[string]any, error) {
	path := filepath.Join(dir, "config.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cfg map[string]any
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %w", path, err)
	}
	return cfg, nil
}

// maxPositions reads the context window from a Hugging Face style config, trying the keys in
// the worker's order (_POSITION_KEYS in models.py), most specific first.
func maxPositions(cfg map[string]any) int {
	for _, key := range []string{"n_positions", "n_ctx", "max_position_embeddings", "max_seq_len"} {
		if v, ok := cfg[key].(float64); ok && v > 0 {
			return int(v)
		}
	}
	if text, ok := cfg["text_config"].(map[string]any); ok {
		return maxPositions(text)
	}
	return 0
}
