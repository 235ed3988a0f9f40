package cmd

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/itchyny/gojq"

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
