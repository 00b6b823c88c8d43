package main

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"metaglot/server/hashname"
)

// file is one output file: its slash-separated name in the dist folder and
// its bytes.
type file struct {
	name string
	data []byte
}

// inputs is everything the page is made of.
type inputs struct {
	index    []byte // index.html
	wasmExec []byte // Go's wasm_exec.js
	wasm     []file // name.wasm binaries, in -wasm order
	js       []file // the page's own scripts, in -js order
	assets   []file // named assets/...
}

// assemble returns the dist's files, sorted by name: the wasm and JS files
// under content-hashed names with references rewritten, index.html, and the
// assets. Warnings name hashed files that nothing references.
func assemble(in inputs) (files []file, warnings []string, err error) {
	renamed := map[string]string{} // original name → hashed name
	referenced := map[string]bool{}
	seen := map[string]bool{"index.html": true}
	add := func(f file) error {
		if seen[f.name] {
			return fmt.Errorf("two files named %s in the dist", f.name)
		}
		seen[f.name] = true
		files = append(files, f)
		return nil
	}
	hash := func(f file) error {
		if seen[f.name] {
			return fmt.Errorf("two files named %s in the dist", f.name)
		}
		seen[f.name] = true
		hashed := hashname.Of(f.name, f.data)
		renamed[f.name] = hashed
		files = append(files, file{hashed, f.data})
		return nil
	}

	// Leaves first (wasm), then scripts that may name them.
	for _, w := range in.wasm {
		if err := hash(w); err != nil {
			return nil, nil, err
		}
	}
	for _, js := range append([]file{{"wasm_exec.js", in.wasmExec}}, in.js...) {
		data, refs := rewriteRefs(js.data, renamed)
		markAll(referenced, refs)
		if err := hash(file{js.name, data}); err != nil {
			return nil, nil, err
		}
	}
	index, refs := rewriteRefs(in.index, renamed)
	markAll(referenced, refs)
	files = append(files, file{"index.html", index})
	for _, a := range in.assets {
		if err := add(a); err != nil {
			return nil, nil, err
		}
	}

	for _, orig := range slices.Sorted(maps.Keys(renamed)) {
		if !referenced[orig] {
			warnings = append(warnings, fmt.Sprintf("%s (as %s) is referenced by neither index.html nor a script", orig, renamed[orig]))
		}
	}
	slices.SortFunc(files, func(a, b file) int { return strings.Compare(a.name, b.name) })
	return files, warnings, nil
}

func markAll(set map[string]bool, names []string) {
	for _, n := range names {
		set[n] = true
	}
}

// rewriteRefs replaces each reference to a key of renamed in text by its
// value, and returns the keys it found. A reference is the bare name,
// optionally preceded by "./" or "/", standing between delimiters: before
// it the start of text, a quote, a backtick, '(', '=', ',' or white space;
// after it the end, a quote, a backtick, ')', '?', '#', ',', ';', '>' or
// white space. So `src="./app.wasm"` and `fetch('app.wasm?v=1')` change,
// but `assets/app.wasm` and `myapp.wasm` do not.
func rewriteRefs(text []byte, renamed map[string]string) ([]byte, []string) {
	s := string(text)
	var found []string
	// Longest names first, so that a name that contains another wins.
	names := slices.Sorted(maps.Keys(renamed))
	slices.SortStableFunc(names, func(a, b string) int { return len(b) - len(a) })
	for _, old := range names {
		var b strings.Builder
		rest, hit := s, false
		for {
			i := strings.Index(rest, old)
			if i < 0 {
				break
			}
			end := i + len(old)
			if refStart(rest[:i]) && refEnd(rest[end:]) {
				b.WriteString(rest[:i])
				b.WriteString(renamed[old])
				hit = true
			} else {
				b.WriteString(rest[:end])
			}
			rest = rest[end:]
		}
		b.WriteString(rest)
		s = b.String()
		if hit {
			found = append(found, old)
		}
	}
	return []byte(s), found
}

// refStart reports whether a name right after before starts a reference.
func refStart(before string) bool {
	if strings.HasSuffix(before, "./") {
		before = before[:len(before)-2]
	} else if strings.HasSuffix(before, "/") {
		before = before[:len(before)-1]
	}
	return before == "" || strings.ContainsRune("\"'`(=, \t\r\n", rune(before[len(before)-1]))
}

// refEnd reports whether a name right before after ends a reference.
func refEnd(after string) bool {
	return after == "" || strings.ContainsRune("\"'`)?#,;> \t\r\n", rune(after[0]))
}

// readAssets reads the files under dir whose extensions are in exts (and
// LICENSE files), skipping names that start with a dot, and names them
// assets/<path relative to dir>.
func readAssets(dir string, exts []string) ([]file, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("-assets: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("-assets %s is not a directory", dir)
	}
	var files []file
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !wantAsset(d.Name(), exts) {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files = append(files, file{path.Join("assets", filepath.ToSlash(rel)), b})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading -assets: %w", err)
	}
	return files, nil
}

func wantAsset(name string, exts []string) bool {
	return strings.HasPrefix(name, "LICENSE") || slices.Contains(exts, strings.ToLower(filepath.Ext(name)))
}

// baseName returns the last element of a file path.
func baseName(p string) string { return filepath.Base(p) }
