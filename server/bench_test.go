package main

import (
	"io"
	"log"
	"net/http/httptest"
	"os"
	"testing"
)

// BenchmarkServe measures the whole handler (log line, headers, path
// checks, encoding choice, ServeContent) for small files of the fixture.
func BenchmarkServe(b *testing.B) {
	root, _ := fixture(b)
	r, err := os.OpenRoot(root)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	h := newHandler(r.FS(), log.New(io.Discard, "", 0))
	for _, bc := range []struct{ name, path, accept string }{
		{"wasm-br", "/" + hashedWasm, "gzip, deflate, br, zstd"},
		{"wasm-identity", "/" + hashedWasm, ""},
		{"index-gzip", "/", "gzip"},
		{"missing", "/no-such-file", "br"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", bc.path, nil)
			req.Header.Set("Accept-Encoding", bc.accept)
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}

func BenchmarkAcceptedEncodings(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		acceptedEncodings("gzip, deflate, br;q=0.9, zstd, *;q=0.1")
	}
}
