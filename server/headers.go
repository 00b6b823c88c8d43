package main

import (
	"net/http"
	"path"
	"strings"

	"metaglot/server/hashname"
)

// contentSecurityPolicy lets the page load its own scripts and compile
// WebAssembly ('wasm-unsafe-eval'), run workers from its own origin or blob:
// URLs, and draw images from data: and blob: URLs. Inline scripts, eval,
// plugins, <base> and framing are refused; only inline styles are allowed.
const contentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
	"worker-src 'self' blob:; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the security headers on every response, before the
// next handler writes anything, so errors and redirects carry them too.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// Cache-Control values: content-hashed names never change, so browsers may
// keep them for a year without asking; everything else is revalidated on
// every use (cheap: a 304 thanks to the ETag and Last-Modified).
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
)

// cacheControl returns the Cache-Control value for a file served under name.
func cacheControl(name string) string {
	if hashname.Is(name) {
		return cacheImmutable
	}
	return cacheRevalidate
}

// contentType returns the Content-Type for a file name, from a fixed table
// so that the answer does not depend on the machine's mime database; unknown
// extensions are application/octet-stream (which nosniff keeps from being
// reinterpreted).
func contentType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".html", ".htm":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json", ".map":
		return "application/json"
	case ".webmanifest":
		return "application/manifest+json"
	case ".wasm":
		return "application/wasm"
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".gif":
		return "image/gif"
	case ".webp":
		return "image/webp"
	case ".svg":
		return "image/svg+xml"
	case ".ico":
		return "image/x-icon"
	case ".txt":
		return "text/plain; charset=utf-8"
	case ".md":
		return "text/markdown; charset=utf-8"
	case ".tsv":
		return "text/tab-separated-values; charset=utf-8"
	case ".woff2":
		return "font/woff2"
	}
	return "application/octet-stream"
}
