package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
)

const (
	hashedWasm = "app.0123abcd89.wasm"
	wasmBytes  = "\x00asm\x01\x00\x00\x00 a wasm module, long enough to compress well well well well"
	indexHTML  = "<!doctype html><title>metaglot</title><script src=\"wasm_exec.js\"></script>"
	secretText = "TOP SECRET outside the root"
)

// fixture builds a root folder with one file of each kind, precompressed
// siblings, a hidden file, directories with and without index.html and
// symbolic links pointing inside and outside the root. It returns the root
// and the folder beside it that holds the secret.
func fixture(t testing.TB) (root, outside string) {
	t.Helper()
	base := t.TempDir()
	root = filepath.Join(base, "dist")
	outside = filepath.Join(base, "outside")
	files := map[string]string{
		"index.html":         indexHTML,
		hashedWasm:           wasmBytes,
		hashedWasm + ".br":   "pretend-brotli-bytes-of-the-wasm",
		"wasm_exec.js":       "globalThis.Go = class {};",
		"data.json":          `{"a": 1}`,
		"img.png":            "\x89PNG\r\n\x1a\n",
		"w.safetensors":      "\x08\x00\x00\x00\x00\x00\x00\x00{}      ",
		"style.css":          "body{}",
		"notes.xyz":          "unknown kind",
		"only.br":            "a file whose name ends in .br",
		"sub/index.html":     "<p>sub</p>",
		"sub/deep/x.txt":     "deep",
		"empty/keep.txt":     "a directory without index.html",
		".secret":            "hidden file",
		".git/config":        "hidden dir",
		"../outside/secret":  secretText,
		"../outside/d/inner": secretText,
	}
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeGzip(t, filepath.Join(root, hashedWasm+".gz"), wasmBytes)
	writeGzip(t, filepath.Join(root, "index.html.gz"), indexHTML)
	for link, target := range map[string]string{
		"link-in.html": "index.html",
		"link-out":     filepath.Join(outside, "secret"),
		"link-out-rel": "../outside/secret",
		"dirlink-out":  filepath.Join(outside, "d"),
		"sub/up.html":  "../index.html",
	} {
		if err := os.Symlink(target, filepath.Join(root, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	return root, outside
}

func writeGzip(t testing.TB, path, content string) {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write([]byte(content))
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// newTestHandler returns the full handler over root and the buffer it logs to.
func newTestHandler(t testing.TB, root string) (http.Handler, *bytes.Buffer) {
	t.Helper()
	r, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	var logBuf bytes.Buffer
	return newHandler(r.FS(), log.New(&logBuf, "", 0)), &logBuf
}

// do sends one request (target is the raw request-target, not cleaned by
// any client) and returns the recorded response.
func do(h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestContentTypes(t *testing.T) {
	root, _ := fixture(t)
	h, _ := newTestHandler(t, root)
	for _, tc := range []struct{ path, want string }{
		{"/" + hashedWasm, "application/wasm"},
		{"/wasm_exec.js", "text/javascript; charset=utf-8"},
		{"/data.json", "application/json"},
		{"/img.png", "image/png"},
		{"/index.html", "text/html; charset=utf-8"},
		{"/", "text/html; charset=utf-8"},
		{"/style.css", "text/css; charset=utf-8"},
		{"/w.safetensors", "application/octet-stream"},
		{"/notes.xyz", "application/octet-stream"},
		{"/sub/deep/x.txt", "text/plain; charset=utf-8"},
	} {
		rec := do(h, "GET", tc.path)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", tc.path, rec.Code)
			continue
		}
		if got := rec.Header().Get("Content-Type"); got != tc.want {
			t.Errorf("GET %s: Content-Type %q, want %q", tc.path, got, tc.want)
		}
	}
}

func TestPrecompressed(t *testing.T) {
	root, _ := fixture(t)
	h, _ := newTestHandler(t, root)
	wasm := "/" + hashedWasm
	br := readFile(t, filepath.Join(root, hashedWasm+".br"))
	gz := readFile(t, filepath.Join(root, hashedWasm+".gz"))
	for _, tc := range []struct {
		path, accept, wantEnc, wantBody string
	}{
		{wasm, "gzip, deflate, br, zstd", "br", br},
		{wasm, "gzip, deflate", "gzip", gz},
		{wasm, "x-gzip", "gzip", gz},
		{wasm, "br;q=0, gzip", "gzip", gz},
		{wasm, "br;q=0.5, gzip;q=0.8", "gzip", gz},
		{wasm, "gzip;q=0.5, br;q=0.5", "br", br},
		{wasm, "*", "br", br},
		{wasm, "*, br;q=0", "gzip", gz},
		{wasm, "identity", "", wasmBytes},
		{wasm, "", "", wasmBytes},
		{wasm, "br;q=0, gzip;q=0", "", wasmBytes},
		{wasm, "br;q=nonsense", "", wasmBytes},
		// index.html has only a .gz sibling: br is not there, gzip is next.
		{"/", "br, gzip", "gzip", readFile(t, filepath.Join(root, "index.html.gz"))},
		{"/data.json", "br, gzip", "", `{"a": 1}`},
	} {
		rec := do(h, "GET", tc.path, "Accept-Encoding", tc.accept)
		name := tc.path + " with Accept-Encoding " + strconv.Quote(tc.accept)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: status %d", name, rec.Code)
			continue
		}
		hd := rec.Header()
		if got := hd.Get("Content-Encoding"); got != tc.wantEnc {
			t.Errorf("%s: Content-Encoding %q, want %q", name, got, tc.wantEnc)
		}
		if got := rec.Body.String(); got != tc.wantBody {
			t.Errorf("%s: body %q, want %q", name, got, tc.wantBody)
		}
		if got, want := hd.Get("Content-Length"), strconv.Itoa(len(tc.wantBody)); got != want {
			t.Errorf("%s: Content-Length %q, want %q", name, got, want)
		}
		if got := hd.Get("Vary"); got != "Accept-Encoding" {
			t.Errorf("%s: Vary %q, want Accept-Encoding", name, got)
		}
		if got := hd.Get("Content-Type"); got != contentType(tc.path+"index.html") && got != contentType(tc.path) {
			t.Errorf("%s: Content-Type %q is not the original's", name, got)
		}
	}
	// The gzip sibling decodes to the original.
	rec := do(h, "GET", wasm, "Accept-Encoding", "gzip")
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(zr); string(got) != wasmBytes {
		t.Errorf("gzip body decodes to %q, want the wasm", got)
	}
}

func TestRangeOnCompressed(t *testing.T) {
	root, _ := fixture(t)
	h, _ := newTestHandler(t, root)
	br := readFile(t, filepath.Join(root, hashedWasm+".br"))
	rec := do(h, "GET", "/"+hashedWasm, "Accept-Encoding", "br", "Range", "bytes=2-9")
	if rec.Code != http.StatusPartialContent {
		t.Fatalf("status %d, want 206", rec.Code)
	}
	if got, want := rec.Body.String(), br[2:10]; got != want {
		t.Errorf("range body %q, want %q (bytes of the .br file)", got, want)
	}
	if got, want := rec.Header().Get("Content-Range"), "bytes 2-9/"+strconv.Itoa(len(br)); got != want {
		t.Errorf("Content-Range %q, want %q", got, want)
	}
	if got := rec.Header().Get("Content-Length"); got != "8" {
		t.Errorf("Content-Length %q, want 8", got)
	}
	if got := rec.Header().Get("Content-Encoding"); got != "br" {
		t.Errorf("Content-Encoding %q, want br", got)
	}
	// Identity ranges address the original bytes.
	rec = do(h, "GET", "/"+hashedWasm, "Range", "bytes=0-3")
	if rec.Code != http.StatusPartialContent || rec.Body.String() != "\x00asm" {
		t.Errorf("identity range: status %d body %q, want 206 \\x00asm", rec.Code, rec.Body.String())
	}
}

func TestRangeNotSatisfiable(t *testing.T) {
	root, _ := fixture(t)
	h, _ := newTestHandler(t, root)
	br := readFile(t, filepath.Join(root, hashedWasm+".br"))
	for _, tc := range []struct{ accept, rng, size string }{
		{"br", "bytes=100000-", strconv.Itoa(len(br))},
		{"", "bytes=100000-", strconv.Itoa(len(wasmBytes))},
		{"", "bytes=9-3", ""}, // malformed: Go sends no Content-Range
	} {
		rec := do(h, "GET", "/"+hashedWasm, "Accept-Encoding", tc.accept, "Range", tc.rng)
		if rec.Code != http.StatusRequestedRangeNotSatisfiable {
			t.Errorf("Range %s: status %d, want 416", tc.rng, rec.Code)
			continue
		}
		// The body is the status text, not Go's "invalid range: failed to overlap".
		if got, want := rec.Body.String(), "Requested Range Not Satisfiable\n"; got != want {
			t.Errorf("Range %s: body %q, want %q", tc.rng, got, want)
		}
		hd := rec.Header()
		want := ""
		if tc.size != "" {
			want = "bytes */" + tc.size
		}
		if got := hd.Get("Content-Range"); got != want {
			t.Errorf("Range %s: Content-Range %q, want %q", tc.rng, got, want)
		}
		for k, want := range map[string]string{
			"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store",
			"Content-Encoding": "", "Etag": "", "Vary": "", "Last-Modified": "",
			"X-Content-Type-Options": "nosniff", "Content-Security-Policy": contentSecurityPolicy,
		} {
			if got := hd.Get(k); got != want {
				t.Errorf("Range %s (Accept-Encoding %q): %s %q, want %q", tc.rng, tc.accept, k, got, want)
			}
		}
	}
}

// seekFailFS serves files whose Seek fails with a message that must not
// reach the client.
type seekFailFS struct{ fstest.MapFS }

type seekFailFile struct{ fs.File }

func (f seekFailFS) Open(name string) (fs.File, error) {
	file, err := f.MapFS.Open(name)
	if err != nil {
		return nil, err
	}
	return seekFailFile{file}, nil
}

func (seekFailFile) Read([]byte) (int, error) { return 0, errors.New("read at /secret/place") }
func (seekFailFile) Seek(int64, int) (int64, error) {
	return 0, errors.New("seek at /secret/place failed")
}

func TestServeContentErrorsWithoutLeaking(t *testing.T) {
	h := newHandler(seekFailFS{fstest.MapFS{"a.txt": {Data: []byte("hello")}}}, log.New(io.Discard, "", 0))
	rec := do(h, "GET", "/a.txt")
	if rec.Code != http.StatusInternalServerError || rec.Body.String() != "Internal Server Error\n" {
		t.Errorf("seek failure: status %d body %q, want 500 and the status text only", rec.Code, rec.Body.String())
	}
}

func TestCacheControlAndRevalidation(t *testing.T) {
	root, _ := fixture(t)
	h, _ := newTestHandler(t, root)
	for _, tc := range []struct{ path, want string }{
		{"/" + hashedWasm, "public, max-age=31536000, immutable"},
		{"/", "no-cache"},
		{"/index.html", "no-cache"},
		{"/wasm_exec.js", "no-cache"},
		{"/data.json", "no-cache"},
	} {
		rec := do(h, "GET", tc.path)
		if got := rec.Header().Get("Cache-Control"); got != tc.want {
			t.Errorf("GET %s: Cache-Control %q, want %q", tc.path, got, tc.want)
		}
		tag, lm := rec.Header().Get("Etag"), rec.Header().Get("Last-Modified")
		if tag == "" || lm == "" {
			t.Errorf("GET %s: ETag %q Last-Modified %q, want both", tc.path, tag, lm)
			continue
		}
		if rec := do(h, "GET", tc.path, "If-None-Match", tag); rec.Code != http.StatusNotModified {
			t.Errorf("GET %s If-None-Match: status %d, want 304", tc.path, rec.Code)
		}
		if rec := do(h, "GET", tc.path, "If-Modified-Since", lm); rec.Code != http.StatusNotModified {
			t.Errorf("GET %s If-Modified-Since: status %d, want 304", tc.path, rec.Code)
		}
	}
	// Each encoding has its own entity tag.
	tags := map[string]bool{}
	for _, ae := range []string{"", "gzip", "br"} {
		tags[do(h, "GET", "/"+hashedWasm, "Accept-Encoding", ae).Header().Get("Etag")] = true
	}
	if len(tags) != 3 {
		t.Errorf("ETags of identity, gzip and br: %v, want three different ones", tags)
	}
	// An error response carries no caching headers of the file.
	rec := do(h, "GET", "/missing.0123abcd89.wasm")
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("404: Cache-Control %q, want no-store", got)
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	root, _ := fixture(t)
	h, _ := newTestHandler(t, root)
	for _, tc := range []struct {
		method, path string
		code         int
		header       []string
	}{
		{"GET", "/", 200, nil},
		{"HEAD", "/" + hashedWasm, 200, nil},
		{"GET", "/missing", 404, nil},
		{"GET", "/sub", 301, nil},
		{"GET", "/../x", 400, nil},
		{"POST", "/", 405, nil},
		{"GET", "/" + hashedWasm, 416, []string{"Range", "bytes=100000-"}},
	} {
		rec := do(h, tc.method, tc.path, tc.header...)
		if rec.Code != tc.code {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, rec.Code, tc.code)
		}
		hd := rec.Header()
		csp := hd.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s %s: CSP %q lacks %q", tc.method, tc.path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") && !strings.Contains(csp, "style-src 'self' 'unsafe-inline'") {
			t.Errorf("%s %s: CSP allows inline code beyond styles: %q", tc.method, tc.path, csp)
		}
		if got := hd.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s: X-Content-Type-Options %q", tc.method, tc.path, got)
		}
		if got := hd.Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("%s %s: Referrer-Policy %q", tc.method, tc.path, got)
		}
	}
}

func TestNoTraversal(t *testing.T) {
	root, _ := fixture(t)
	h, _ := newTestHandler(t, root)
	for _, tc := range []struct {
		target string
		code   int
	}{
		{"/../outside/secret", 400},
		{"/sub/../../outside/secret", 400},
		{"/%2e%2e/outside/secret", 400},
		{"/..%2foutside%2fsecret", 400},
		{"/sub/%2e%2e%2f%2e%2e%2foutside/secret", 400},
		{"/..%5coutside%5csecret", 400},
		{"/sub\\..\\..\\outside\\secret", 400},
		{"/index.html%00.png", 400},
		{"/link-out", 404},
		{"/link-out-rel", 404},
		{"/dirlink-out/inner", 404},
		{"/dirlink-out/", 404},
		{"/.secret", 404},
		{"/.git/config", 404},
		{"/sub/.%2e/.secret", 400},
	} {
		rec := do(h, "GET", tc.target)
		if rec.Code != tc.code {
			t.Errorf("GET %s: status %d, want %d", tc.target, rec.Code, tc.code)
		}
		if body := rec.Body.String(); strings.Contains(body, "SECRET") || strings.Contains(body, "hidden") {
			t.Errorf("GET %s leaked %q", tc.target, body)
		}
	}
	// Links that stay inside the root are followed.
	for _, p := range []string{"/link-in.html", "/sub/up.html"} {
		if rec := do(h, "GET", p); rec.Code != 200 || rec.Body.String() != indexHTML {
			t.Errorf("GET %s: status %d body %q, want index.html", p, rec.Code, rec.Body.String())
		}
	}
}

func TestDirectories(t *testing.T) {
	root, _ := fixture(t)
	h, _ := newTestHandler(t, root)
	for _, tc := range []struct {
		target   string
		code     int
		body     string // checked when not empty
		location string // checked for redirects
	}{
		{target: "/", code: 200, body: indexHTML},
		{target: "/sub/", code: 200, body: "<p>sub</p>"},
		{target: "/sub", code: 301, location: "/sub/"},
		{target: "/sub?x=1", code: 301, location: "/sub/?x=1"},
		{target: "//sub", code: 301, location: "/sub/"}, // never "//host/"
		{target: "/empty/", code: 404},
		{target: "/empty", code: 404},
		{target: "/sub/deep/", code: 404},
		{target: "/index.html/", code: 404},
		{target: "/only.br", code: 200, body: "a file whose name ends in .br"},
	} {
		rec := do(h, "GET", tc.target)
		if rec.Code != tc.code {
			t.Errorf("GET %s: status %d, want %d", tc.target, rec.Code, tc.code)
			continue
		}
		if tc.body != "" && rec.Body.String() != tc.body {
			t.Errorf("GET %s: body %q, want %q", tc.target, rec.Body.String(), tc.body)
		}
		if tc.location != "" && rec.Header().Get("Location") != tc.location {
			t.Errorf("GET %s: Location %q, want %q", tc.target, rec.Header().Get("Location"), tc.location)
		}
		if strings.Contains(rec.Body.String(), "keep.txt") {
			t.Errorf("GET %s listed a directory: %q", tc.target, rec.Body.String())
		}
	}
}

func TestMethods(t *testing.T) {
	root, _ := fixture(t)
	h, _ := newTestHandler(t, root)
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"} {
		rec := do(h, m, "/index.html")
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s: status %d, want 405", m, rec.Code)
		}
		if got := rec.Header().Get("Allow"); got != "GET, HEAD" {
			t.Errorf("%s: Allow %q, want \"GET, HEAD\"", m, got)
		}
	}
	rec := do(h, "HEAD", "/"+hashedWasm, "Accept-Encoding", "br")
	if rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("HEAD: status %d with %d body bytes, want 200 and none", rec.Code, rec.Body.Len())
	}
	if got, want := rec.Header().Get("Content-Length"), strconv.Itoa(len(readFile(t, filepath.Join(root, hashedWasm+".br")))); got != want {
		t.Errorf("HEAD: Content-Length %q, want %q", got, want)
	}
}

func TestRequestLog(t *testing.T) {
	root, _ := fixture(t)
	h, logBuf := newTestHandler(t, root)
	do(h, "GET", "/"+hashedWasm)
	do(h, "GET", "/missing%0Aforged%20200")
	do(h, "DELETE", "/")
	lines := strings.Split(strings.TrimSuffix(logBuf.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d log lines for 3 requests:\n%s", len(lines), logBuf.String())
	}
	for i, re := range []string{
		`^GET /app\.0123abcd89\.wasm 200 ` + strconv.Itoa(len(wasmBytes)) + ` [0-9.]+[µm]?s$`,
		`^GET /missing%0Aforged%20200 404 \d+ [0-9.]+[µm]?s$`,
		`^DELETE / 405 \d+ [0-9.]+[µm]?s$`,
	} {
		if !regexp.MustCompile(re).MatchString(lines[i]) {
			t.Errorf("log line %d = %q, want match for %s", i, lines[i], re)
		}
	}
}

func TestRequestLogCapsLength(t *testing.T) {
	root, _ := fixture(t)
	h, logBuf := newTestHandler(t, root)
	// A path of 100 000 bytes 0xFF escapes to 300 000 bytes of %FF (and
	// is refused: not UTF-8).
	do(h, "GET", "/"+strings.Repeat("%FF", 100000))
	do(h, strings.Repeat("M", 1000), "/")
	lines := strings.Split(strings.TrimSuffix(logBuf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d log lines for 2 requests", len(lines))
	}
	for i, want := range []string{
		"GET /" + strings.Repeat("%FF", 85) + "...[300001 bytes] 400 ",
		strings.Repeat("M", 32) + "...[1000 bytes] / 405 ",
	} {
		if !strings.HasPrefix(lines[i], want) {
			t.Errorf("log line %d = %.400q..., want it to start with %q", i, lines[i], want)
		}
		if len(lines[i]) > 400 {
			t.Errorf("log line %d has %d bytes, want at most 400", i, len(lines[i]))
		}
	}
}

// failFS fails every Stat/Open with err.
type failFS struct{ err error }

func (f failFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: "/secret/place/" + name, Err: f.err}
}

func TestErrorsMapWithoutLeaking(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
	}{
		{fs.ErrNotExist, 404},
		{syscall.ENOENT, 404},
		{syscall.ENOTDIR, 404},
		{syscall.ENAMETOOLONG, 404},
		{syscall.ELOOP, 404},
		{errors.New("path escapes from parent"), 404},
		{fs.ErrPermission, 403},
		{syscall.EACCES, 403},
		{syscall.EPERM, 403},
		{syscall.EIO, 500},
		{syscall.EMFILE, 500},
	} {
		if got := statusOf(&fs.PathError{Op: "open", Path: "x", Err: tc.err}); got != tc.code {
			t.Errorf("statusOf(%v) = %d, want %d", tc.err, got, tc.code)
		}
		h := newHandler(failFS{tc.err}, log.New(io.Discard, "", 0))
		rec := do(h, "GET", "/app.wasm")
		if rec.Code != tc.code {
			t.Errorf("GET with fs error %v: status %d, want %d", tc.err, rec.Code, tc.code)
		}
		if want := http.StatusText(tc.code) + "\n"; rec.Body.String() != want {
			t.Errorf("GET with fs error %v: body %q, want only %q", tc.err, rec.Body.String(), want)
		}
	}
}

func TestPermissionDenied(t *testing.T) {
	if asUnprivileged(t) { // as root, permissions do not apply
		return
	}
	root, _ := fixture(t)
	if err := os.Chmod(filepath.Join(root, "data.json"), 0); err != nil {
		t.Fatal(err)
	}
	h, _ := newTestHandler(t, root)
	if rec := do(h, "GET", "/data.json"); rec.Code != http.StatusForbidden {
		t.Errorf("unreadable file: status %d, want 403", rec.Code)
	}
}

func TestHandlerOverMapFS(t *testing.T) {
	// The handler needs only an fs.FS: an in-memory tree works too.
	fsys := fstest.MapFS{
		"index.html":    {Data: []byte(indexHTML)},
		"index.html.br": {Data: []byte("brotli")},
	}
	h := newHandler(fsys, log.New(io.Discard, "", 0))
	rec := do(h, "GET", "/", "Accept-Encoding", "br")
	if rec.Code != 200 || rec.Body.String() != "brotli" || rec.Header().Get("Content-Encoding") != "br" {
		t.Errorf("MapFS: status %d body %q encoding %q", rec.Code, rec.Body.String(), rec.Header().Get("Content-Encoding"))
	}
}
