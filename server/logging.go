package main

import (
	"log"
	"net/http"
	"time"
)

// logRequests writes one line per request to logger when the response is
// done: method, escaped path, status, body bytes written, duration.
//
//	GET /app.0123abcd89.wasm 200 2843140 12.3ms
func logRequests(logger *log.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		// EscapedPath keeps control characters out of the log.
		logger.Printf("%s %s %d %d %s", r.Method, r.URL.EscapedPath(), rec.status, rec.bytes,
			time.Since(start).Round(10*time.Microsecond))
	})
}

// recorder remembers the status and counts the body bytes of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
