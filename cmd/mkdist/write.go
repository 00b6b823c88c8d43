package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// marker is the file that marks a folder as made by mkdist, and so safe to
// replace. (The server never serves names that start with a dot.)
const marker = ".mkdist"

// prepareStaging checks that out may be replaced and returns a fresh, empty
// folder beside it to build in.
func prepareStaging(out string) (string, error) {
	if err := replaceable(out); err != nil {
		return "", err
	}
	parent := filepath.Dir(filepath.Clean(out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("-out: %w", err)
	}
	dir, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".tmp-")
	if err == nil {
		err = os.Chmod(dir, 0o755) // MkdirTemp makes it private; a web root is not
	}
	return dir, err
}

// replaceable reports an error unless out does not exist, is an empty
// folder, or holds mkdist's marker.
func replaceable(out string) error {
	entries, err := os.ReadDir(out)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("-out %s: %w", out, err)
	case len(entries) == 0:
		return nil
	}
	if _, err := os.Stat(filepath.Join(out, marker)); err != nil {
		return fmt.Errorf("-out %s exists and was not made by mkdist (no %s in it): refusing to replace it", out, marker)
	}
	return nil
}

// writeFiles writes files (and the marker) under dir.
func writeFiles(dir string, files []file) error {
	for _, f := range append(files, file{marker, nil}) {
		p := filepath.Join(dir, filepath.FromSlash(f.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// swapIn replaces out with the folder staging.
func swapIn(staging, out string) error {
	if err := replaceable(out); err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return fmt.Errorf("removing the old -out: %w", err)
	}
	if err := os.Rename(staging, out); err != nil {
		return fmt.Errorf("moving the new dist into place: %w", err)
	}
	return nil
}

// printSizes writes one line per original file: raw, gzip and brotli bytes
// ("-" where no sibling was kept), then the totals.
func printSizes(w io.Writer, out string, files []file) {
	size := map[string]int{}
	for _, f := range files {
		size[f.name] = len(f.data)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "raw\tgzip\tbrotli\t  %s/\n", out)
	var raw, best int
	for _, f := range files {
		if isSibling(f.name, size) {
			continue // shown on its original's line
		}
		gz, hasGz := size[f.name+".gz"]
		br, hasBr := size[f.name+".br"]
		small := len(f.data)
		if hasGz {
			small = min(small, gz)
		}
		if hasBr {
			small = min(small, br)
		}
		raw += len(f.data)
		best += small
		fmt.Fprintf(tw, "%d\t%s\t%s\t  %s\n", len(f.data), sizeOrDash(gz, hasGz), sizeOrDash(br, hasBr), f.name)
	}
	fmt.Fprintf(tw, "%d\t\t%d\t  total (raw, smallest encoding)\n", raw, best)
	tw.Flush()
}

// isSibling reports whether name is the .gz or .br sibling of a file in size.
func isSibling(name string, size map[string]int) bool {
	for _, ext := range []string{".gz", ".br"} {
		if orig, ok := strings.CutSuffix(name, ext); ok {
			if _, has := size[orig]; has {
				return true
			}
		}
	}
	return false
}

func sizeOrDash(n int, ok bool) string {
	if !ok {
		return "-"
	}
	return fmt.Sprint(n)
}
