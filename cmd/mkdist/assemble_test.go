package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"metaglot/server/hashname"
)

func TestRewriteRefs(t *testing.T) {
	renamed := map[string]string{"app.wasm": "app.H.wasm", "wasm_exec.js": "wasm_exec.J.js", "a.js": "a.K.js"}
	for _, tc := range []struct{ in, want string }{
		{`<script src="wasm_exec.js"></script>`, `<script src="wasm_exec.J.js"></script>`},
		{`<script src='./wasm_exec.js'>`, `<script src='./wasm_exec.J.js'>`},
		{`<script src=/wasm_exec.js>`, `<script src=/wasm_exec.J.js>`},
		{"fetch(`app.wasm`)", "fetch(`app.H.wasm`)"},
		{`fetch("app.wasm?v=1")`, `fetch("app.H.wasm?v=1")`},
		{`new URL("app.wasm#x", import.meta.url)`, `new URL("app.H.wasm#x", import.meta.url)`},
		{`load("app.wasm", "app.wasm")`, `load("app.H.wasm", "app.H.wasm")`},
		{`files = [app.wasm, a.js];`, `files = [app.wasm, a.js];`}, // brackets are no delimiters
		{`"assets/app.wasm"`, `"assets/app.wasm"`},
		{`"myapp.wasm"`, `"myapp.wasm"`},
		{`"app.wasm.br"`, `"app.wasm.br"`},
		{`"data.js"`, `"data.js"`}, // a.js inside another name
		{`app.wasm`, `app.H.wasm`},
		{`no references here`, `no references here`},
	} {
		got, _ := rewriteRefs([]byte(tc.in), renamed)
		if string(got) != tc.want {
			t.Errorf("rewriteRefs(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
	_, found := rewriteRefs([]byte(`"wasm_exec.js" "data.js"`), renamed)
	if !slices.Equal(found, []string{"wasm_exec.js"}) {
		t.Errorf("found %q, want only wasm_exec.js", found)
	}
}

func TestAssemble(t *testing.T) {
	wasm := []byte("\x00asm\x01\x00\x00\x00main")
	worker := []byte("\x00asm\x01\x00\x00\x00worker")
	in := inputs{
		index:    []byte(`<script src="wasm_exec.js"></script><script src="page.js"></script>`),
		wasmExec: []byte(`/* go glue */ globalThis.Go = class {};`),
		wasm:     []file{{"main.wasm", wasm}, {"worker.wasm", worker}},
		js:       []file{{"page.js", []byte(`WebAssembly.instantiateStreaming(fetch("main.wasm"));`)}},
		assets:   []file{{"assets/omniglot/index.json", []byte(`{}`)}},
	}
	files, warnings, err := assemble(in)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string][]byte{}
	var names []string
	for _, f := range files {
		byName[f.name] = f.data
		names = append(names, f.name)
	}
	if !slices.IsSorted(names) {
		t.Errorf("files not sorted: %q", names)
	}
	mainName := hashname.Of("main.wasm", wasm)
	workerName := hashname.Of("worker.wasm", worker)
	execName := hashname.Of("wasm_exec.js", in.wasmExec)
	page := []byte(`WebAssembly.instantiateStreaming(fetch("` + mainName + `"));`)
	pageName := hashname.Of("page.js", page) // hashed after its rewrite
	want := []string{"assets/omniglot/index.json", "index.html", mainName, pageName, execName, workerName}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("files %q, want %q", names, want)
	}
	if !bytes.Equal(byName[pageName], page) {
		t.Errorf("page.js = %s, want %s", byName[pageName], page)
	}
	wantIndex := `<script src="` + execName + `"></script><script src="` + pageName + `"></script>`
	if string(byName["index.html"]) != wantIndex {
		t.Errorf("index.html = %s, want %s", byName["index.html"], wantIndex)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "worker.wasm") {
		t.Errorf("warnings %q, want one about the unreferenced worker.wasm", warnings)
	}
}

func TestAssembleDuplicate(t *testing.T) {
	_, _, err := assemble(inputs{
		index: []byte("x"),
		js:    []file{{"wasm_exec.js", []byte("mine")}},
	})
	if err == nil || !strings.Contains(err.Error(), "two files named wasm_exec.js") {
		t.Errorf("duplicate JS name: %v, want an error naming it", err)
	}
}

func TestReadAssets(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"omniglot/Latin.png":          "png",
		"omniglot/index.json":         "{}",
		"models/protonet.safetensors": "w",
		"README.md":                   "readme",
		"LICENSE.omniglot":            "mit",
		"gen.go":                      "package x",
		".cache/x.png":                "hidden",
		"omniglot/.DS_Store":          "junk",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(content), 0o644)
	}
	files, err := readAssets(dir, []string{".png", ".json", ".safetensors", ".md"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.name)
	}
	want := []string{"assets/LICENSE.omniglot", "assets/README.md", "assets/models/protonet.safetensors", "assets/omniglot/Latin.png", "assets/omniglot/index.json"}
	if !slices.Equal(names, want) {
		t.Errorf("assets %q, want %q", names, want)
	}
	if _, err := readAssets(filepath.Join(dir, "missing"), nil); err == nil {
		t.Error("missing -assets folder: no error")
	}
}
