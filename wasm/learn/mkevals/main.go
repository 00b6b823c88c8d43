// Command mkevals writes the Learn view's accuracy table, wasm/learn's
// evals.json, from the evaluation results bench/eval-*.jsonl (what `make
// evaltable` writes). Run it from the repository's root after the table
// changes:
//
//	go run ./wasm/learn/mkevals
//
// wasm/learn's TestEvalsUpToDate fails while evals.json lags behind.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"metaglot/wasm/learn"
)

func main() {
	glob := flag.String("in", "bench/eval-*.jsonl", "the evaluation results files")
	out := flag.String("out", "wasm/learn/evals.json", "the table to write")
	flag.Parse()
	if err := run(*glob, *out); err != nil {
		fmt.Fprintln(os.Stderr, "mkevals:", err)
		os.Exit(1)
	}
}

func run(glob, out string) error {
	names, err := filepath.Glob(glob)
	if err != nil {
		return fmt.Errorf("-in %q: %v", glob, err)
	}
	if len(names) == 0 {
		return fmt.Errorf("-in %q: no such files (run from the repository's root)", glob)
	}
	files := map[string][]byte{}
	for _, n := range names {
		if files[n], err = os.ReadFile(n); err != nil {
			return err
		}
	}
	table, err := learn.ConvertEvals(files)
	if err != nil {
		return err
	}
	data, err := learn.EncodeEvals(table)
	if err != nil {
		return err
	}
	return os.WriteFile(out, data, 0o644)
}
