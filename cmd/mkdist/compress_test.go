package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

func TestWithCompressed(t *testing.T) {
	text := []byte(strings.Repeat("metaglot few-shot learning in the browser. ", 200))
	png := []byte("\x89PNG" + strings.Repeat("x", 4000))
	tiny := []byte("{}")
	files := []file{{"a.js", text}, {"b.png", png}, {"c.json", tiny}, {"d.wasm", text}}
	out, err := withCompressed(files, 5, "")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]byte{}
	var names []string
	for _, f := range out {
		got[f.name] = f.data
		names = append(names, f.name)
	}
	want := "a.js a.js.br a.js.gz b.png c.json d.wasm d.wasm.br d.wasm.gz"
	if strings.Join(names, " ") != want {
		t.Fatalf("files %q, want %s (no siblings for PNG, none larger than the original)", names, want)
	}
	zr, err := gzip.NewReader(bytes.NewReader(got["a.js.gz"]))
	if err != nil {
		t.Fatal(err)
	}
	if dec, _ := io.ReadAll(zr); !bytes.Equal(dec, text) {
		t.Error("a.js.gz does not decode to a.js")
	}
	if zr.Header.Name != "" || !zr.Header.ModTime.IsZero() {
		t.Errorf("gzip header has name %q, time %v: output would not be deterministic", zr.Header.Name, zr.Header.ModTime)
	}
	if dec, _ := io.ReadAll(brotli.NewReader(bytes.NewReader(got["d.wasm.br"]))); !bytes.Equal(dec, text) {
		t.Error("d.wasm.br does not decode to d.wasm")
	}
	again, _ := withCompressed(files, 5, "")
	for i := range out {
		if again[i].name != out[i].name || !bytes.Equal(again[i].data, out[i].data) {
			t.Errorf("second run differs at %s", out[i].name)
		}
	}
}

func TestCompressCache(t *testing.T) {
	cache := t.TempDir()
	text := []byte(strings.Repeat("cache me ", 500))
	files := []file{{"a.js", text}}
	first, err := withCompressed(files, 5, cache)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(cache)
	if len(entries) != 2 {
		t.Fatalf("%d cache entries after one file, want 2 (gz and br)", len(entries))
	}
	// Plant a recognisable entry: the next run must take it from the cache.
	os.WriteFile(filepath.Join(cache, "stale.entry"), []byte("x"), 0o644)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".br") {
			os.WriteFile(filepath.Join(cache, e.Name()), []byte("from cache"), 0o644)
		}
	}
	second, err := withCompressed(files, 5, cache)
	if err != nil {
		t.Fatal(err)
	}
	if string(second[1].data) != "from cache" || second[1].name != "a.js.br" {
		t.Errorf("second run: %s = %q, want the cached bytes", second[1].name, second[1].data)
	}
	if !bytes.Equal(first[2].data, second[2].data) {
		t.Error("gzip bytes differ between a fresh and a cached run")
	}
	if _, err := os.Stat(filepath.Join(cache, "stale.entry")); err == nil {
		t.Error("an unused cache entry was kept")
	}
	// Another quality is another entry.
	withCompressed(files, 4, cache)
	entries, _ = os.ReadDir(cache)
	if len(entries) != 2 {
		t.Errorf("%d cache entries after a run at another quality, want 2", len(entries))
	}
}
