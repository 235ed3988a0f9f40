package ui

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/sesame-cli/sesame/internal/clierr"
)

func TestReadRawLine(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"secret\r", "secret", nil},
		{"secret\n", "secret", nil},
		{"sex\x7fcret\r", "secret", nil},
		{"caf\xc3\xa9\x7fe\r", "cafe", nil},
		{"wrong\x15right\r", "right", nil},
		{"half\x03", "", clierr.ErrInterrupted},
		{"\x04", "", io.EOF},
		{"a\x04b\r", "ab", nil},
		{"no newline", "no newline", nil},
	} {
		got, err := readRawLine(strings.NewReader(tc.in))
		if string(got) != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("readRawLine(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
	if _, err := readRawLine(strings.NewReader("x\x03")); clierr.Code(err) != clierr.Interrupted {
		t.Errorf("Ctrl-C exit code = %d, want %d", clierr.Code(err), clierr.Interrupted)
	}
}
