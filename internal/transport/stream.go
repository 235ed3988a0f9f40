package transport

import (
	"context"
	"io"
	"net/http"
	"time"
)

// Stream sends req under the same rules as Do (https only, or http to a
// loopback host; TLS verified with the extra CA bundle; proxies from the
// environment; --debug redaction) and hands back the response with its body
// unread, for the authenticating proxy to pass on as it arrives. It never
// follows a redirect and never retries: the request body may be a stream.
//
// The timeout bounds the wait for the response headers only; a large body
// may take longer than that to arrive, and the caller's context bounds it.
// The caller must close the body.
func (c *Client) Stream(req *http.Request) (*http.Response, error) {
	u, err := CheckURL(req.URL.String())
	if err != nil {
		return nil, err
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "sesame")
	}
	ctx, cancel := context.WithCancel(req.Context())
	timer := time.AfterFunc(c.http.Timeout, cancel)
	req = req.WithContext(ctx)
	c.dumpRequest(req, nil)
	start := time.Now()
	// The client's own Timeout would cut a long download; the round trip
	// goes to its transport directly, which follows no redirect.
	resp, err := c.http.Transport.RoundTrip(req)
	if !timer.Stop() && err == nil {
		// The headers came just as the timer fired: the body would be cut.
		resp.Body.Close()
		err = context.DeadlineExceeded
	}
	if err != nil {
		cancel()
		if ctx.Err() != nil && req.Context().Err() == nil {
			err = context.DeadlineExceeded
		}
		return nil, netError(u, err)
	}
	c.dumpResponse(&Response{Status: resp.StatusCode, Header: resp.Header}, time.Since(start))
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelBody releases the request's context when the body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
