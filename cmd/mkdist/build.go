package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// wasmEntry is one WebAssembly binary to build: name.wasm from a Go main
// package.
type wasmEntry struct {
	name, pkg string
}

// wasmName is what a -wasm name may be: it becomes a file name.
var wasmName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// parseWasmEntry reads a -wasm value, "name=package".
func parseWasmEntry(s string) (wasmEntry, error) {
	name, pkg, ok := strings.Cut(s, "=")
	if !ok || pkg == "" {
		return wasmEntry{}, fmt.Errorf("-wasm %q: want name=package, e.g. main=./wasm", s)
	}
	if !wasmName.MatchString(name) {
		return wasmEntry{}, fmt.Errorf("-wasm %q: name %q must be letters, digits, '-' or '_'", s, name)
	}
	return wasmEntry{name: name, pkg: pkg}, nil
}

// errNoPackage says a -wasm package does not exist (yet).
var errNoPackage = errors.New("no Go package there")

// buildWasm builds e for GOOS=js GOARCH=wasm with gocmd and returns the
// binary. tmpParent is a folder for the build's scratch files. A package
// given as a folder (./x) that holds no Go files gives errNoPackage.
func buildWasm(ctx context.Context, gocmd string, e wasmEntry, tmpParent string) ([]byte, error) {
	if strings.HasPrefix(e.pkg, ".") && !hasGoFiles(e.pkg) {
		return nil, fmt.Errorf("%s: %w", e.pkg, errNoPackage)
	}
	env := append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	name, err := goOutput(ctx, gocmd, env, "list", "-f", "{{.Name}}", e.pkg)
	if err != nil {
		return nil, fmt.Errorf("-wasm %s=%s: %w", e.name, e.pkg, err)
	}
	if name != "main" {
		return nil, fmt.Errorf("-wasm %s=%s: package %s is not a main package", e.name, e.pkg, name)
	}
	tmp, err := os.MkdirTemp(tmpParent, ".build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, e.name+".wasm")
	// -trimpath and -buildvcs=false keep the bytes independent of the
	// checkout's location and state; -s -w drop the symbol table and DWARF,
	// which the browser never uses.
	if _, err := goOutput(ctx, gocmd, env, "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, e.pkg); err != nil {
		return nil, fmt.Errorf("building -wasm %s=%s: %w", e.name, e.pkg, err)
	}
	return os.ReadFile(out)
}

// hasGoFiles reports whether dir holds a non-test .go file.
func hasGoFiles(dir string) bool {
	matches, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, m := range matches {
		if !strings.HasSuffix(m, "_test.go") {
			return true
		}
	}
	return false
}

// goEnvGOROOT returns the GOROOT of the toolchain gocmd runs (after any
// GOTOOLCHAIN switch), where wasm_exec.js lives.
func goEnvGOROOT(ctx context.Context, gocmd string) (string, error) {
	root, err := goOutput(ctx, gocmd, os.Environ(), "env", "GOROOT")
	if err != nil {
		return "", fmt.Errorf("finding GOROOT: %w", err)
	}
	return root, nil
}

// readWasmExec reads the JS glue for Go's wasm from a GOROOT (lib/wasm since
// Go 1.24, misc/wasm before).
func readWasmExec(goroot string) ([]byte, error) {
	var firstErr error
	for _, dir := range []string{"lib/wasm", "misc/wasm"} {
		b, err := os.ReadFile(filepath.Join(goroot, dir, "wasm_exec.js"))
		if err == nil {
			return b, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, fmt.Errorf("wasm_exec.js not found in GOROOT %s: %w", goroot, firstErr)
}

// goOutput runs gocmd with args and env and returns its trimmed stdout, or
// an error that includes its stderr.
func goOutput(ctx context.Context, gocmd string, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, gocmd, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %w\n%s", gocmd, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}
