package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-wasm", "main"}, "want name=package"},
		{[]string{"-wasm", "../x=./wasm"}, "must be letters"},
		{[]string{"-js", "page.ts"}, "not a .js file"},
		{[]string{"-brotli", "12"}, "outside 0..11"},
		{[]string{"-out", ""}, "-out is empty"},
		{[]string{"extra"}, "unexpected argument"},
	} {
		_, err := parseFlags(tc.args, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, new(usageError)) {
			t.Errorf("parseFlags(%q) = %v, want a usage error containing %q", tc.args, err, tc.want)
		}
	}
	c, err := parseFlags([]string{"-wasm", "main=./wasm", "-wasm", "worker=./wasm/worker", "-asset-ext", "PNG, .json"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.wasm) != 2 || c.wasm[1] != (wasmEntry{"worker", "./wasm/worker"}) {
		t.Errorf("wasm entries %v", c.wasm)
	}
	if strings.Join(c.assetExt, " ") != ".png .json" {
		t.Errorf("asset extensions %q, want .png .json", c.assetExt)
	}
}

func TestReplaceable(t *testing.T) {
	dir := t.TempDir()
	if err := replaceable(filepath.Join(dir, "new")); err != nil {
		t.Errorf("missing folder: %v", err)
	}
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	if err := replaceable(empty); err != nil {
		t.Errorf("empty folder: %v", err)
	}
	mine := filepath.Join(dir, "mine")
	os.Mkdir(mine, 0o755)
	os.WriteFile(filepath.Join(mine, "index.html"), nil, 0o644)
	if err := replaceable(mine); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Errorf("a folder mkdist did not make: %v, want a refusal", err)
	}
	os.WriteFile(filepath.Join(mine, marker), nil, 0o644)
	if err := replaceable(mine); err != nil {
		t.Errorf("a folder with the marker: %v", err)
	}
}

// testdataPage writes an index.html and a page script into a temp folder.
func testdataPage(t *testing.T) (index, js, assets string) {
	t.Helper()
	dir := t.TempDir()
	index = filepath.Join(dir, "index.html")
	js = filepath.Join(dir, "page.js")
	assets = filepath.Join(dir, "assets")
	os.WriteFile(index, []byte("<!doctype html>\n<script src=\"wasm_exec.js\"></script>\n<script src=\"page.js\"></script>\n"), 0o644)
	os.WriteFile(js, []byte("const go = new Go();\nWebAssembly.instantiateStreaming(fetch('hello.wasm'), go.importObject).then(r => go.run(r.instance));\n"), 0o644)
	os.MkdirAll(filepath.Join(assets, "omniglot"), 0o755)
	os.WriteFile(filepath.Join(assets, "omniglot", "index.json"), []byte(strings.Repeat(`{"alphabet": "Latin"}`, 50)), 0o644)
	os.WriteFile(filepath.Join(assets, "omniglot", "Latin.png"), []byte("\x89PNG fake"), 0o644)
	return index, js, assets
}

// readTree returns the files under dir by slash-separated relative name.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	tree := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		tree[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func TestRunBuildsDeterministicDist(t *testing.T) {
	if testing.Short() {
		t.Skip("builds wasm with the go command")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command in PATH")
	}
	index, js, assets := testdataPage(t)
	out := filepath.Join(t.TempDir(), "dist")
	cache := filepath.Join(t.TempDir(), "cache")
	args := []string{"-out", out, "-index", index, "-js", js, "-assets", assets, "-brotli", "5", "-cache", cache,
		"-wasm", "hello=./testdata/hello", "-wasm", "later=./testdata/not-written-yet"}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstderr: %s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "skipping later.wasm") {
		t.Errorf("stderr %q lacks the warning about the missing package", stderr.String())
	}
	first := readTree(t, out)

	var wasmName, execName, pageName string
	for name := range first {
		switch {
		case regexp.MustCompile(`^hello\.[0-9a-f]{10}\.wasm$`).MatchString(name):
			wasmName = name
		case regexp.MustCompile(`^wasm_exec\.[0-9a-f]{10}\.js$`).MatchString(name):
			execName = name
		case regexp.MustCompile(`^page\.[0-9a-f]{10}\.js$`).MatchString(name):
			pageName = name
		}
	}
	if wasmName == "" || execName == "" || pageName == "" {
		t.Fatalf("hashed files missing from %v", keys(first))
	}
	if !bytes.HasPrefix(first[wasmName], []byte("\x00asm")) {
		t.Errorf("%s is not a wasm binary", wasmName)
	}
	goroot, _ := exec.Command("go", "env", "GOROOT").Output()
	glue, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first[execName], glue) {
		t.Errorf("%s is not the toolchain's wasm_exec.js", execName)
	}
	html := string(first["index.html"])
	if !strings.Contains(html, `src="`+execName+`"`) || !strings.Contains(html, `src="`+pageName+`"`) {
		t.Errorf("index.html does not name the hashed scripts:\n%s", html)
	}
	if !strings.Contains(string(first[pageName]), `fetch('`+wasmName+`')`) {
		t.Errorf("%s does not fetch the hashed wasm:\n%s", pageName, first[pageName])
	}
	for _, name := range []string{wasmName + ".br", wasmName + ".gz", execName + ".br", "index.html.gz", "assets/omniglot/index.json.br", "assets/omniglot/Latin.png", marker} {
		if _, ok := first[name]; !ok {
			t.Errorf("%s missing from the dist", name)
		}
	}
	if _, ok := first["assets/omniglot/Latin.png.gz"]; ok {
		t.Error("a PNG was gzipped")
	}
	info, err := os.Stat(out)
	if err != nil || info.Mode().Perm() != 0o755 {
		t.Errorf("dist folder mode %v, want 0755", info.Mode())
	}
	if !strings.Contains(stdout.String(), wasmName) || !strings.Contains(stdout.String(), "total") {
		t.Errorf("size table lacks the wasm or the total:\n%s", stdout.String())
	}

	// A second run replaces the folder with the same bytes.
	os.WriteFile(filepath.Join(out, "leftover.txt"), []byte("old"), 0o644)
	if err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	second := readTree(t, out)
	if len(second) != len(first) {
		t.Errorf("second run: %d files, first %d (%v)", len(second), len(first), keys(second))
	}
	for name, b := range first {
		if !bytes.Equal(second[name], b) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	// No staging folders are left beside the output.
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
		t.Errorf("beside the output: %v, want only the dist", entries)
	}
}

func TestRunErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	index, _, _ := testdataPage(t)
	notMine := t.TempDir()
	os.WriteFile(filepath.Join(notMine, "precious.txt"), []byte("keep"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-index", filepath.Join(t.TempDir(), "none.html")}, "reading the page -index"},
		{[]string{"-index", index, "-out", notMine}, "refusing to replace"},
		{[]string{"-index", index, "-wasm", "x=./testdata/notmain"}, "not a main package"},
		{[]string{"-index", index, "-assets", filepath.Join(t.TempDir(), "none")}, "-assets"},
		{[]string{"-index", index, "-go", filepath.Join(t.TempDir(), "no-go")}, "finding GOROOT"},
	} {
		args := append([]string{"-out", filepath.Join(t.TempDir(), "dist")}, tc.args...)
		err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%q) = %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(notMine, "precious.txt")); string(b) != "keep" {
		t.Error("a folder mkdist did not make was changed")
	}
}

func keys(m map[string][]byte) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	return k
}
