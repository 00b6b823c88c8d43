// Command mkdist assembles the folder that serves the metaglot page: the one
// `make dist` writes to build/dist and any static host (or ./server) can
// serve as it is.
//
// Usage:
//
//	mkdist -out build/dist -index index.html -wasm main=./wasm \
//	       [-wasm worker=./wasm/worker] [-js page.js]... [-assets assets]
//
// What it writes, and how:
//
//   - Each -wasm NAME=PACKAGE is built with `go build` for GOOS=js
//     GOARCH=wasm (trimmed paths, no VCS stamp, no symbol table) into
//     NAME.wasm. The go command is -go (default "go") with mkdist's
//     environment, so GOTOOLCHAIN and GOEXPERIMENT pass through; a package
//     that does not exist yet is skipped with a warning.
//   - wasm_exec.js is copied from `go env GOROOT`/lib/wasm of that same
//     toolchain, so the JS glue always matches the wasm.
//   - The wasm and JS files get content-hashed names (package
//     server/hashname: main.0123abcd89.wasm). References to them are
//     rewritten in the JS files (wasm first, then wasm_exec.js, then the -js
//     files in order) and in index.html. A reference is the bare file name,
//     optionally after "./" or "/", between quotes, parentheses, "=" or
//     white space; a hashed file referenced nowhere is warned about.
//   - index.html keeps its name (it is the entry point and is revalidated).
//   - Files under -assets (by extension, -asset-ext) are copied to assets/
//     with their names unchanged.
//   - Compressible files (wasm, js, html, css, json, safetensors, text) get
//     .gz (gzip -9) and .br (brotli, quality -brotli) siblings, each kept
//     only when smaller than the original. PNGs are already compressed.
//     With -cache, compressed bytes are reused across runs (keyed by the
//     SHA-256 of the input and the settings).
//   - The output is deterministic: the same inputs give the same bytes.
//     The folder is built beside -out and then swapped in; an existing -out
//     is replaced only if mkdist made it (it holds a .mkdist marker) or it
//     is empty.
//
// It prints one line per file with its raw, gzip and brotli sizes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, new(usageError)):
		fmt.Fprintln(os.Stderr, "mkdist:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "mkdist:", err)
		os.Exit(1)
	}
}

// usageError marks a bad flag or argument (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// listFlag collects a repeated flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// config is what the flags say.
type config struct {
	out, index, assets, gocmd, cache string
	wasm                             []wasmEntry
	js                               []string
	assetExt                         []string
	brotliQuality                    int
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("mkdist", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	var wasm, js listFlag
	fs.StringVar(&c.out, "out", "build/dist", "output `folder`")
	fs.StringVar(&c.index, "index", "index.html", "the page's HTML `file`")
	fs.StringVar(&c.assets, "assets", "", "`folder` copied to assets/ (empty: none)")
	assetExt := fs.String("asset-ext", "png,json,safetensors,bin,tsv,txt,md", "comma-separated `extensions` of the asset files to copy")
	fs.StringVar(&c.gocmd, "go", "go", "the go `command` that builds the wasm")
	fs.IntVar(&c.brotliQuality, "brotli", 11, "brotli `quality` (0-11; 11 is smallest and takes minutes for a large wasm)")
	fs.StringVar(&c.cache, "cache", "", "`folder` that keeps compressed files between runs (empty: none)")
	fs.Var(&wasm, "wasm", "`name=package` to build as name.wasm (repeatable)")
	fs.Var(&js, "js", "extra JavaScript `file` for the page (repeatable; hashed)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, usageError{err}
	}
	if fs.NArg() > 0 {
		return c, usagef("unexpected argument %q", fs.Arg(0))
	}
	if c.out == "" {
		return c, usagef("-out is empty")
	}
	if c.brotliQuality < 0 || c.brotliQuality > 11 {
		return c, usagef("-brotli %d is outside 0..11", c.brotliQuality)
	}
	for _, w := range wasm {
		e, err := parseWasmEntry(w)
		if err != nil {
			return c, usageError{err}
		}
		c.wasm = append(c.wasm, e)
	}
	for _, f := range js {
		if !strings.HasSuffix(f, ".js") {
			return c, usagef("-js %s: not a .js file", f)
		}
	}
	c.js = js
	for _, e := range strings.Split(*assetExt, ",") {
		if e = strings.TrimPrefix(strings.TrimSpace(e), "."); e != "" {
			c.assetExt = append(c.assetExt, "."+strings.ToLower(e))
		}
	}
	return c, nil
}

// run builds the dist folder described by args.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	warn := func(format string, a ...any) { fmt.Fprintf(stderr, "mkdist: warning: "+format+"\n", a...) }

	var in inputs
	if in.index, err = os.ReadFile(c.index); err != nil {
		return fmt.Errorf("reading the page -index: %w", err)
	}
	goroot, err := goEnvGOROOT(ctx, c.gocmd)
	if err != nil {
		return err
	}
	if in.wasmExec, err = readWasmExec(goroot); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "mkdist: wasm and wasm_exec.js from the toolchain in %s\n", goroot)
	for _, f := range c.js {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("reading -js: %w", err)
		}
		in.js = append(in.js, file{name: baseName(f), data: b})
	}
	if c.assets != "" {
		if in.assets, err = readAssets(c.assets, c.assetExt); err != nil {
			return err
		}
	}

	staging, err := prepareStaging(c.out)
	if err != nil {
		return err
	}
	defer os.RemoveAll(staging) // gone after the swap; cleans up on failure
	for _, e := range c.wasm {
		b, err := buildWasm(ctx, c.gocmd, e, staging)
		if errors.Is(err, errNoPackage) {
			warn("skipping %s.wasm: %v", e.name, err)
			continue
		}
		if err != nil {
			return err
		}
		in.wasm = append(in.wasm, file{name: e.name + ".wasm", data: b})
	}

	files, warnings, err := assemble(in)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		warn("%s", w)
	}
	if files, err = withCompressed(files, c.brotliQuality, c.cache); err != nil {
		return err
	}
	if err := writeFiles(staging, files); err != nil {
		return err
	}
	if err := swapIn(staging, c.out); err != nil {
		return err
	}
	printSizes(stdout, c.out, files)
	return nil
}
