package report

import (
	"fmt"
	"io"
	"reflect"

	"github.com/parquet-go/parquet-go"
)

// WriteParquet writes rows as one Parquet file with the columns in their order: integers as
// INT64, numbers as DOUBLE, text as UTF-8 strings, booleans as BOOLEAN, lists of numbers as
// LISTs of DOUBLE; no value is null. pandas, DuckDB, Polars and pyarrow read it as it is.
func WriteParquet[T any](w io.Writer, cols []Column[T], rows []T) error {
	fields := make([]reflect.StructField, len(cols))
	for i, c := range cols {
		typ, tag, err := parquetField(c.Type)
		if err != nil {
			return fmt.Errorf("column %s: %w", c.Name, err)
		}
		fields[i] = reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: typ,
			Tag: reflect.StructTag(fmt.Sprintf(`parquet:"%s,%s"`, c.Name, tag))}
	}
	rowType := reflect.StructOf(fields)
	pw := parquet.NewWriter(w, parquet.SchemaOf(reflect.New(rowType).Interface()))
	for k := range rows {
		v := reflect.New(rowType)
		for i, c := range cols {
			if err := setParquet(v.Elem().Field(i), c.Value(&rows[k])); err != nil {
				return fmt.Errorf("column %s: %w", c.Name, err)
			}
		}
		if err := pw.Write(v.Interface()); err != nil {
			return err
		}
	}
	return pw.Close()
}

// parquetField is the Go type and tag that give a column its Parquet type.
func parquetField(typ string) (reflect.Type, string, error) {
	switch typ {
	case "integer":
		return reflect.TypeFor[*int64](), "optional", nil
	case "number":
		return reflect.TypeFor[*float64](), "optional", nil
	case "text":
		return reflect.TypeFor[*string](), "optional", nil
	case "boolean":
		return reflect.TypeFor[*bool](), "optional", nil
	case "list of numbers":
		return reflect.TypeFor[[]float64](), "list", nil
	}
	return nil, "", fmt.Errorf("no Parquet type for %q", typ)
}

func setParquet(f reflect.Value, v any) error {
	if v == nil {
		return nil
	}
	if f.Kind() == reflect.Slice {
		xs, ok := v.([]float64)
		if !ok {
			return fmt.Errorf("want a list of numbers, got %T", v)
		}
		f.Set(reflect.ValueOf(xs))
		return nil
	}
	p := reflect.New(f.Type().Elem())
	val := reflect.ValueOf(v)
	switch {
	case val.CanInt() && p.Elem().Kind() == reflect.Int64:
		p.Elem().SetInt(val.Int())
	case val.CanFloat() && p.Elem().Kind() == reflect.Float64:
		p.Elem().SetFloat(val.Float())
	case val.Kind() == p.Elem().Kind():
		p.Elem().Set(val)
	default:
		return fmt.Errorf("a %T where the column holds %s", v, f.Type().Elem())
	}
	f.Set(p)
	return nil
}
