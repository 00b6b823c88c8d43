package main

import (
	"net/http"
	"time"
)

// deadlineChunk is the most a deadlineWriter writes under one deadline.
// http.ServeContent copies through a 32 KiB buffer, so file bodies arrive
// in writes of this size and cost no extra system calls.
const deadlineChunk = 32 << 10

// writeDeadlines wraps h so that every response is written under a write
// deadline that moves with progress: the connection's deadline is set to
// timeout from now when the handler starts and again before each chunk of
// at most deadlineChunk bytes. A client that stops reading blocks a write
// for timeout and loses its connection (and the server the file and socket
// it held); a slow client that keeps taking at least deadlineChunk bytes
// per timeout downloads to the end, however long that takes.
//
// Setting a deadline costs about half a microsecond, so a renewal less than
// timeout/100 after the previous one is skipped: each chunk gets between
// 99 % and 100 % of timeout, and a fast download of 2 MB sets its deadline
// a few times rather than 64.
//
// (http.Server.WriteTimeout cannot do this: it bounds the whole response,
// which would cut slow downloads of a large file.)
func writeDeadlines(timeout time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := &deadlineWriter{ResponseWriter: w, rc: http.NewResponseController(w), timeout: timeout}
		d.renew(time.Now()) // also covers responses without a body, sent when h returns
		h.ServeHTTP(d, r)
	})
}

// deadlineWriter renews the connection's write deadline before each chunk
// it writes.
type deadlineWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	renewed time.Time // when the deadline was last set
}

// renew sets the write deadline to timeout after now, unless it was set
// less than timeout/100 before now. Writers that have no deadline
// (httptest.ResponseRecorder) make it a no-op.
func (d *deadlineWriter) renew(now time.Time) {
	if !d.renewed.IsZero() && now.Sub(d.renewed) < d.timeout/100 {
		return
	}
	d.renewed = now
	_ = d.rc.SetWriteDeadline(now.Add(d.timeout))
}

func (d *deadlineWriter) Write(p []byte) (n int, err error) {
	for len(p) > 0 {
		chunk := p[:min(len(p), deadlineChunk)]
		d.renew(time.Now())
		m, err := d.ResponseWriter.Write(chunk)
		n += m
		if err != nil {
			return n, err
		}
		p = p[len(chunk):]
	}
	return n, nil
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (d *deadlineWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }
