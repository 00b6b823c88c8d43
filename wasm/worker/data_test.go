package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"metaglot/core/omniglot"
	"metaglot/wasm/site"
	"metaglot/wasm/trainer"
)

func TestSheets(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", site.OmniglotIndex))
	if err != nil {
		t.Skipf("assets not built: %v", err)
	}
	ix, err := omniglot.ParseIndex(b)
	if err != nil {
		t.Fatal(err)
	}
	ds := omniglot.New(ix)
	names, paths, err := sheets(ds)
	if err != nil {
		t.Fatal(err)
	}
	// Every alphabet holds training or test characters of Vinyals's
	// split: all 50 are needed, each once, and each path is on the site.
	if len(names) != len(ix.Alphabets) || len(paths) != len(names) {
		t.Fatalf("%d alphabets, %d paths, want %d", len(names), len(paths), len(ix.Alphabets))
	}
	sorted := slices.Clone(names)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != len(names) {
		t.Fatal("an alphabet is loaded twice")
	}
	for i, n := range names {
		if err := ds.AddAlphabetSheet(n, mustRead(t, paths[i])); err != nil {
			t.Fatalf("%s from %s: %v", n, paths[i], err)
		}
	}
	for _, split := range []string{trainer.TrainSplit, trainer.TestSplit} {
		s, _ := ds.Split(split)
		if m := ds.Missing(s); len(m) != 0 {
			t.Errorf("%s misses %v", split, m)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBundledWeights(t *testing.T) {
	_, err := bundledWeights("reptile", "assets/models/reptile.safetensors", nil, fmt.Errorf("x: %w", fs.ErrNotExist))
	if err == nil || err.Error() != "this build has no bundled reptile weights (assets/models/reptile.safetensors): start from scratch" {
		t.Errorf("missing: %v", err)
	}
	down := errors.New("fetch assets/models/reptile.safetensors: HTTP 500")
	if _, err := bundledWeights("reptile", "p", nil, down); err != down {
		t.Errorf("failed fetch: %v", err)
	}
	if _, err := bundledWeights("reptile", "p.st", []byte("junk"), nil); err == nil || !strings.HasPrefix(err.Error(), "p.st: ") {
		t.Errorf("junk: %v", err)
	}
	w, err := bundledWeights("protonet", site.Weights("protonet"), mustRead(t, site.Weights("protonet")), nil)
	if err != nil || w.Algo != "protonet" {
		t.Fatalf("bundled ProtoNet: %v", err)
	}
}
