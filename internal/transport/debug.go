package transport

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/redact"
)

// The --debug log: each exchange with every secret hidden by the client's
// redact.Redactor (registered secrets in all their forms, credential
// headers and any header that looks like a credential, query values, secret
// JSON members, JWTs) and control characters made visible.

func (c *Client) dumpRequest(req *http.Request, body []byte) {
	if c.out == nil {
		return
	}
	var b strings.Builder
	b.WriteString("debug: > " + req.Method + " " + c.secrets.Debug(redact.DebugURL(req.URL.String())) + "\n")
	b.WriteString(c.secrets.Header(req.Header))
	if len(body) > 0 {
		b.WriteString("  " + c.secrets.Body(body) + "\n")
	}
	c.out.Write([]byte(b.String()))
}

func (c *Client) dumpResponse(r *Response, took time.Duration) {
	if c.out == nil {
		return
	}
	var b strings.Builder
	b.WriteString("debug: < HTTP " + http.StatusText(r.Status) + " (" + strconv.Itoa(r.Status) + ") in " + took.Round(time.Millisecond).String() + "\n")
	b.WriteString(c.secrets.Header(r.Header))
	if len(r.Body) > 0 {
		body := c.secrets.Body(r.Body)
		if len(body) > 2048 {
			body = body[:2048] + "…"
		}
		b.WriteString("  " + body + "\n")
	}
	c.out.Write([]byte(b.String()))
}
