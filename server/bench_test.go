package main

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"
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

// BenchmarkServeTCP measures whole requests over a keep-alive loopback
// connection to serve (the connection policy included: write deadlines,
// request counting), one at a time: index.html, and the wasm's gzip sibling.
func BenchmarkServeTCP(b *testing.B) {
	root, _ := fixture(b)
	r, err := os.OpenRoot(root)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	logger := log.New(io.Discard, "", 0)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- serve(ctx, ln, newHandler(r.FS(), logger), serveConfig{WriteTimeout: 10 * time.Second, Grace: time.Second}, logger)
	}()
	defer func() { cancel(); <-served }()
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer client.CloseIdleConnections()
	for _, bc := range []struct{ name, path, accept string }{
		{"index", "/index.html", ""},
		{"wasm-gzip", "/" + hashedWasm, "gzip"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+bc.path, nil)
			req.Header.Set("Accept-Encoding", bc.accept)
			b.ReportAllocs()
			for b.Loop() {
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
