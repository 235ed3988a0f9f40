package redact

import (
	"bytes"
	"io"
	"sync"
)

// Writer hides a Redactor's secrets in a stream (exec --redact) as it is
// written. It holds back only what could be the start of a secret split
// across writes: at most the longest form's length of the bytes after the
// last line break (the forms it looks for hold no line break: a multi-line
// secret is hidden line by line). Call Flush at the end.
type Writer struct {
	mu  sync.Mutex
	r   *Redactor
	w   io.Writer
	max int
	buf []byte
}

// NewWriter returns a Writer that writes to w with r's secrets hidden.
func NewWriter(w io.Writer, r *Redactor) *Writer {
	return &Writer{r: r, w: w, max: r.maxLen()}
}

func (s *Writer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = append(s.buf, p...)
	// Lines that are complete go out whole.
	if i := bytes.LastIndexAny(s.buf, "\r\n"); i >= 0 {
		if err := s.emit(s.buf[:i+1]); err != nil {
			return 0, err
		}
		s.buf = append(s.buf[:0], s.buf[i+1:]...)
	}
	// Of a partial line, everything but the last max bytes goes out now
	// (with what secrets it holds hidden): a secret not yet complete lies
	// within the last max-1 bytes, and one more byte tells whether a short
	// secret stands as a word. A prompt without a newline is seen at once.
	if len(s.buf) > s.max {
		red := []byte(s.r.String(string(s.buf)))
		cut := len(red) - s.max
		if cut > 0 {
			if _, err := s.w.Write(red[:cut]); err != nil {
				return 0, err
			}
			s.buf = append(s.buf[:0], red[cut:]...)
		}
	}
	return len(p), nil
}

func (s *Writer) emit(b []byte) error {
	_, err := io.WriteString(s.w, s.r.String(string(b)))
	return err
}

// Flush writes what was held back.
func (s *Writer) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.buf) == 0 {
		return nil
	}
	err := s.emit(s.buf)
	s.buf = nil
	return err
}
