package checkpoint

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"metaglot/core/tensor"
)

// Write saves tensors and meta to the file path in the safetensors format
// (see Encode). It writes atomically: the bytes go to a temporary file in
// the same directory, which is synced and then renamed over path, and the
// directory is synced. Whatever fails, path is left either as it was or
// complete, never partial, and the temporary file is removed.
//
// Errors name path. Tensors that Encode refuses (a NaN, data that does not
// match the shape) are reported before any file is created.
func Write(path string, tensors *tensor.Set, meta map[string]string) error {
	if _, err := encodeHeader(tensors, meta); err != nil {
		return fmt.Errorf("checkpoint: write %s: %w", path, err)
	}
	return writeAtomic(path, func(w io.Writer) error { return Encode(w, tensors, meta) })
}

// TempPattern returns the os.CreateTemp pattern of the temporary file that
// Write uses for path, in path's directory: ".NAME.tmp*" for NAME the base
// name of path. Other atomic writers may use it, so that RemoveTemps
// cleans up after them too.
func TempPattern(path string) string { return "." + filepath.Base(path) + ".tmp*" }

// RemoveTemps removes the temporary files a writer killed in the middle of
// writing path left behind (TempPattern's, whose "*" os.CreateTemp filled
// with digits), and returns the names it removed. Nothing else is touched.
// Call it only when no writer of path can be running, e.g. while holding a
// lock on the directory.
func RemoveTemps(path string) ([]string, error) {
	dir := filepath.Dir(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: temporary files of %s: %w", path, err)
	}
	prefix := strings.TrimSuffix(TempPattern(path), "*")
	var removed []string
	for _, e := range entries {
		digits, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" || !e.Type().IsRegular() {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("checkpoint: temporary files of %s: %w", path, err)
		}
		removed = append(removed, e.Name())
	}
	return removed, nil
}

// WriteFile replaces the file at path by data atomically, as Write does
// (a temporary file beside it named by TempPattern, fsync, rename,
// directory fsync; mode 0644): path holds the old or the new contents,
// never a mix, and RemoveTemps finds what a crash left. metaglot's other
// run files (metrics, chart) are written with it.
func WriteFile(path string, data []byte) error {
	return writeAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeAtomic replaces path by what write writes, atomically.
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, TempPattern(path))
	if err != nil {
		return fmt.Errorf("checkpoint: write %s: %w", path, err)
	}
	tmp := f.Name()
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				f.Close()
			}
			os.Remove(tmp)
			err = fmt.Errorf("checkpoint: write %s: %w", path, err)
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	// CreateTemp makes the file readable by its owner only; a checkpoint is
	// meant to be shared (served to the browser, loaded by PyTorch).
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	closed = true
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	// The rename is durable only once the directory is synced.
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("written, but cannot sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("written, but cannot sync directory: %w", err)
	}
	return nil
}

// Read loads the safetensors file at path (see Decode). Errors name path.
func Read(path string) (*tensor.Set, map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint: %w", err)
	}
	s, meta, err := Decode(data)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return s, meta, nil
}
