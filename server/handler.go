package main

import (
	"io/fs"
	"log"
	"net/http"
)

// newHandler returns the server's handler for the files of fsys: each layer
// does one job, outermost first.
//
//	logRequests     one line per request: method, path, status, bytes, duration
//	securityHeaders CSP, nosniff, Referrer-Policy on every response
//	onlyGetHead     405 for any other method
//	staticFiles     the file (or its precompressed sibling), or an error status
func newHandler(fsys fs.FS, logger *log.Logger) http.Handler {
	return logRequests(logger, securityHeaders(onlyGetHead(staticFiles{fsys})))
}

// onlyGetHead answers every method but GET and HEAD with 405 Method Not
// Allowed and an Allow header.
func onlyGetHead(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			httpError(w, http.StatusMethodNotAllowed)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// httpError writes the status text alone as the body: the client never sees
// internal error messages (file names, system errors).
func httpError(w http.ResponseWriter, code int) {
	h := w.Header()
	// Headers meant for the file are wrong for an error body.
	for _, k := range []string{"Cache-Control", "Content-Encoding", "Etag", "Last-Modified", "Vary"} {
		h.Del(k)
	}
	h.Set("Cache-Control", "no-store")
	http.Error(w, http.StatusText(code), code)
}
