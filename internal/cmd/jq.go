package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/itchyny/gojq"
	"github.com/spf13/cobra"

	"github.com/sesame-cli/sesame/internal/clierr"
)

// jqQuery is a compiled --jq expression (gojq: jq's language in Go).
type jqQuery struct{ code *gojq.Code }

func parseJQ(expr string) (*jqQuery, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, usageErr("--jq %q: %v", expr, err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, usageErr("--jq %q: %v", expr, err)
	}
	return &jqQuery{code: code}, nil
}

// run prints each result on its own line: strings as they are (as gh api
// --jq and jq -r do), everything else as compact JSON.
func (q *jqQuery) run(w io.Writer, v any) error {
	iter := q.code.Run(v)
	for {
		out, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := out.(error); isErr {
			if h, ok := err.(*gojq.HaltError); ok && h.Value() == nil {
				return nil
			}
			return clierr.New(clierr.Unexpected, "--jq: %v", err)
		}
		if s, ok := out.(string); ok {
			fmt.Fprintln(w, s)
			continue
		}
		b, err := json.Marshal(out)
		if err != nil {
			return clierr.New(clierr.Unexpected, "--jq: %v", err)
		}
		fmt.Fprintln(w, string(b))
	}
}

// jsonOutput is the --json [FIELDS] and --jq EXPR pair of every command
// that prints JSON, as gh has them. Bare --json keeps printing every field
// exactly as before (NoOptDefVal); --json=a,b (or --json a,b, when a,b
// names no profile) keeps only those fields, --json=help lists them, and
// --jq filters the document (and implies --json). One implementation for
// status, profile list, token show, doctor, fleet and api's --jq.
type jsonOutput struct {
	// fields are the names --json may select; none means the document is
	// not a list of records and --json takes no fields.
	fields []string
	value  string // --json's value; allFields for bare --json
	jq     string
}

const allFields = "*"

// addJSONFlags adds --json [FIELDS] and --jq to cmd.
func addJSONFlags(cmd *cobra.Command, o *jsonOutput, fields []string) {
	o.fields = fields
	f := cmd.Flags()
	usage := "print JSON"
	if len(fields) > 0 {
		usage = "print JSON; --json=FIELDS keeps only these (" + strings.Join(fields, ", ") + ")"
	}
	f.StringVar(&o.value, "json", "", usage)
	f.Lookup("json").NoOptDefVal = allFields
	f.StringVarP(&o.jq, "jq", "q", "", "filter the JSON with a jq expression (implies --json)")
}

// wanted reports whether JSON is asked for.
func (o *jsonOutput) wanted() bool { return o.value != "" || o.jq != "" }

// takeFieldsArg lets `--json a,b` work as gh users type it, although bare
// --json takes no value: when --json was bare and the first argument names
// known fields only and no profile is named so, the argument is the field
// list. It returns the arguments left.
func (o *jsonOutput) takeFieldsArg(args []string, isProfile func(string) bool) []string {
	if o.value != allFields || len(args) == 0 || len(o.fields) == 0 {
		return args
	}
	a := args[0]
	if isProfile != nil && isProfile(a) {
		return args
	}
	if a != "help" {
		for _, f := range strings.Split(a, ",") {
			if !slices.Contains(o.fields, strings.TrimSpace(f)) {
				return args
			}
		}
	}
	o.value = a
	return args[1:]
}

// check validates the flags before any work is done: the field names, the
// jq expression. --json=help (or --json help) lists the fields, as gh
// does for --json without fields: a usage error, exit 2.
func (o *jsonOutput) check() (*jqQuery, error) {
	if v := o.value; v != "" && v != allFields {
		if len(o.fields) == 0 {
			return nil, usageErr("--json takes no fields here: give it alone (--json) and filter with --jq")
		}
		if v == "help" || strings.Trim(v, ", ") == "" {
			return nil, usageErr("name the fields for --json, separated by commas:\n  %s", strings.Join(o.fields, "\n  "))
		}
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); !slices.Contains(o.fields, f) {
				return nil, usageErr("unknown JSON field %q; available fields:\n  %s", f, strings.Join(o.fields, "\n  "))
			}
		}
	}
	if o.jq == "" {
		return nil, nil
	}
	return parseJQ(o.jq)
}

// selected are the fields --json keeps; nil for all.
func (o *jsonOutput) selected() []string {
	if o.value == "" || o.value == allFields {
		return nil
	}
	var out []string
	for _, f := range strings.Split(o.value, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// write prints v: as it always has (indented, its own key order) when no
// field is selected and no --jq is given; else the selected fields of
// each record (keys sorted, as gh prints them), through --jq when given.
func (o *jsonOutput) write(w io.Writer, v any) error {
	q, err := o.check()
	if err != nil {
		return err
	}
	sel := o.selected()
	if sel == nil && q == nil {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		return err
	}
	if sel != nil {
		doc = pick(doc, sel)
	}
	if q != nil {
		return q.run(w, doc)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// pick keeps the named keys of an object, or of each object in a list.
func pick(doc any, keys []string) any {
	switch d := doc.(type) {
	case []any:
		for i := range d {
			d[i] = pick(d[i], keys)
		}
		return d
	case map[string]any:
		out := make(map[string]any, len(keys))
		for _, k := range keys {
			out[k] = d[k]
		}
		return out
	}
	return doc
}

// jsonFields are the JSON names of a struct's fields, in order: what
// --json may select from a list of such records.
func jsonFields(v any) []string {
	t := reflect.TypeOf(v)
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	return out
}
