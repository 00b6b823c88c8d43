package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// compressible reports whether a file of this name is worth precompressing:
// text, wasm and raw tensors are; PNG and other compressed formats are not.
func compressible(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".wasm", ".js", ".mjs", ".html", ".css", ".json", ".map", ".svg",
		".txt", ".md", ".tsv", ".safetensors", ".bin":
		return true
	}
	return false
}

// withCompressed returns files plus, for each compressible one, a .gz and a
// .br sibling, each only if it is smaller than the original (and the .br only
// if it is also smaller than the .gz); sorted by name.
// Files are compressed in parallel, one per CPU. When cache is not empty,
// compressed bytes are kept there under the hash of their input and the
// settings, and reused: brotli at quality 11 takes minutes for a large wasm.
// Entries this call does not use are removed.
func withCompressed(files []file, brotliQuality int, cache string) ([]file, error) {
	type job struct {
		f      file
		gz, br []byte
	}
	var jobs []*job
	for _, f := range files {
		if compressible(f.name) {
			jobs = append(jobs, &job{f: f})
		}
	}
	c := newCompressCache(cache)
	// Biggest first, so that one large file does not finish last alone.
	slices.SortStableFunc(jobs, func(a, b *job) int { return len(b.f.data) - len(a.f.data) })
	var wg sync.WaitGroup
	next := make(chan *job)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for j := range next {
				j.gz = c.get(j.f.data, "gz9.gz", gzipBytes)
				j.br = c.get(j.f.data, fmt.Sprintf("q%dw%d.br", brotliQuality, brotliWindow), func(b []byte) []byte {
					return brotliBytes(b, brotliQuality)
				})
			}
		})
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	if err := c.finish(); err != nil {
		return nil, err
	}

	out := slices.Clone(files)
	for _, j := range jobs {
		if len(j.gz) < len(j.f.data) {
			out = append(out, file{j.f.name + ".gz", j.gz})
		}
		// A client that takes br is served br first, so a .br that lost to
		// the .gz (a low -brotli quality) would only cost bytes.
		if len(j.br) < len(j.f.data) && (len(j.gz) >= len(j.f.data) || len(j.br) < len(j.gz)) {
			out = append(out, file{j.f.name + ".br", j.br})
		}
	}
	slices.SortFunc(out, func(a, b file) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// compressCache keeps compressed bytes in a folder, named by the SHA-256 of
// the input and a suffix naming the method and settings. A zero dir keeps
// nothing.
type compressCache struct {
	dir string

	mu   sync.Mutex
	used map[string]bool
	err  error // the first write error
}

func newCompressCache(dir string) *compressCache {
	return &compressCache{dir: dir, used: map[string]bool{}}
}

// get returns compress(b), from the cache when it holds it.
func (c *compressCache) get(b []byte, suffix string, compress func([]byte) []byte) []byte {
	if c.dir == "" {
		return compress(b)
	}
	sum := sha256.Sum256(b)
	name := hex.EncodeToString(sum[:]) + "." + suffix
	c.mu.Lock()
	c.used[name] = true
	c.mu.Unlock()
	p := filepath.Join(c.dir, name)
	if out, err := os.ReadFile(p); err == nil {
		return out
	}
	out := compress(b)
	err := os.MkdirAll(c.dir, 0o755)
	if err == nil {
		err = writeAtomic(p, out)
	}
	if err != nil {
		c.mu.Lock()
		if c.err == nil {
			c.err = fmt.Errorf("compression cache: %w", err)
		}
		c.mu.Unlock()
	}
	return out
}

// finish removes the cache entries get did not ask for and reports the
// first write error.
func (c *compressCache) finish() error {
	if c.dir == "" || c.err != nil {
		return c.err
	}
	entries, err := os.ReadDir(c.dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("compression cache: %w", err)
	}
	for _, e := range entries {
		if !c.used[e.Name()] {
			os.Remove(filepath.Join(c.dir, e.Name()))
		}
	}
	return nil
}

// writeAtomic writes data to path through a temporary file and a rename, so
// that a reader never sees half a file.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// gzipBytes compresses b with gzip at level 9. The header carries no name
// and no time, so the output depends on b alone.
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
	zw.Write(b)                                              // a bytes.Buffer does not fail
	zw.Close()
	return buf.Bytes()
}

// brotliWindow is log2 of brotli's window: 16 MiB, the largest, so that the
// whole of a typical wasm binary is in reach.
const brotliWindow = 24

// brotliBytes compresses b with brotli at quality q (0..11).
func brotliBytes(b []byte, q int) []byte {
	var buf bytes.Buffer
	bw := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: q, LGWin: brotliWindow})
	bw.Write(b)
	bw.Close()
	return buf.Bytes()
}
