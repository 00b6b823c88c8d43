package main

import (
	"log"
	"net/http"
	"strconv"
	"time"
)

// Longest method and path a log line carries: a request may hold a path of
// up to a megabyte, and logging it whole would let one client write to the
// log three times what it sends (every byte escaped as %XX).
const (
	maxLoggedMethod = 32
	maxLoggedPath   = 256
)

// logRequests writes one line per request to logger when the response is
// done: method, escaped path, status, body bytes written, duration. The
// method and path are cut to maxLoggedMethod and maxLoggedPath bytes, with
// a marker that gives the full length, so a line stays under 400 bytes.
//
//	GET /app.0123abcd89.wasm 200 2843140 12.3ms
//	GET /%FF%FF...[3000000 bytes] 404 10 1.2ms
func logRequests(logger *log.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		// EscapedPath keeps control characters out of the log.
		logger.Printf("%s %s %d %d %s", clip(r.Method, maxLoggedMethod),
			clip(r.URL.EscapedPath(), maxLoggedPath), rec.status, rec.bytes,
			time.Since(start).Round(10*time.Microsecond))
	})
}

// clip returns s if it has at most n bytes, and otherwise its first n bytes
// followed by "...[len(s) bytes]". The strings it is given (an escaped path,
// a method token) are ASCII, so a cut never splits a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "...[" + strconv.Itoa(len(s)) + " bytes]"
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
