package checkpoint

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"metaglot/core/tensor"
)

func TestWriteRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.safetensors")
	s := randomSet(5)
	meta := map[string]string{"arch": "conv4"}
	for range 2 { // the second Write replaces the first file
		if err := Write(path, s, meta); err != nil {
			t.Fatal(err)
		}
		got, m, err := Read(path)
		if err != nil {
			t.Fatal(err)
		}
		sameSets(t, got, s)
		sameMeta(t, m, meta)
		s.Get("layer5.a").Data[0]++
	}
	only(t, filepath.Dir(path), "model.safetensors")
}

// only fails t unless dir holds exactly the named files: no temporary
// files left behind.
func only(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("directory holds %q, want %q", got, names)
	}
}

// failingWriter accepts limit bytes, then fails, like a full disk.
type failingWriter struct {
	w     io.Writer
	limit int
}

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.limit {
		n, _ := f.w.Write(p[:f.limit])
		f.limit = 0
		return n, errors.New("disk full")
	}
	f.limit -= len(p)
	return f.w.Write(p)
}

func TestWriteFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	old := randomSet(6)
	if err := Write(path, old, nil); err != nil {
		t.Fatal(err)
	}
	oldBytes, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	intact := func(what string) {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil || string(b) != string(oldBytes) {
			t.Errorf("%s: old file changed or gone (%v)", what, err)
		}
		only(t, dir, "model.safetensors")
	}

	nan := randomSet(7)
	nan.Get("layer1.e").Data[3] = float32(0) / zero()
	err = Write(path, nan, nil)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `"layer1.e"`) {
		t.Errorf("Write of a NaN: error %v, want one naming the file and the tensor", err)
	}
	intact("NaN tensor")

	// A failure half-way through the bytes, as a full disk would give.
	err = writeAtomic(path, func(w io.Writer) error {
		return Encode(&failingWriter{w: w, limit: len(oldBytes) / 2}, randomSet(8), nil)
	})
	if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), path) {
		t.Errorf("failing writer: error %v", err)
	}
	intact("write failing half-way")

	// The rename fails: the target is a directory.
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Write(sub, old, nil); err == nil {
		t.Error("Write over a directory succeeded")
	}
	if fi, err := os.Stat(sub); err != nil || !fi.IsDir() {
		t.Errorf("directory replaced: %v", err)
	}
	if err := os.Remove(sub); err != nil {
		t.Fatal(err)
	}
	intact("rename over a directory")

	if err := Write(filepath.Join(dir, "no", "such", "dir.safetensors"), old, nil); err == nil || !strings.Contains(err.Error(), "no/such/dir.safetensors") {
		t.Errorf("Write into a missing directory: error %v", err)
	}

	// A read-only directory stops everyone but root.
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(dir, 0o755)
		if err := Write(path, randomSet(9), nil); err == nil {
			t.Error("Write into a read-only directory succeeded")
		}
		intact("read-only directory")
	}
}

func zero() float32 { return 0 }

func TestReadErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.safetensors")
	if _, _, err := Read(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: error %v", err)
	}
	bad := filepath.Join(dir, "short.safetensors")
	if err := os.WriteFile(bad, []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Read(bad); err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "too short") {
		t.Errorf("short file: error %v", err)
	}
}

func TestWriteMakesReadableFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	var s tensor.Set
	s.Add("x", tensor.New(1))
	if err := Write(path, &s, nil); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("file mode %v, want -rw-r--r--", fi.Mode().Perm())
	}
}

// TestRemoveTemps: the leftovers of a Write killed midway — made here by
// os.CreateTemp with Write's own pattern, as Write makes them — are
// removed; files that only look alike are not.
func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "checkpoint.safetensors")
	if err := Write(path, randomSet(2), nil); err != nil {
		t.Fatal(err)
	}
	var stale []string
	for range 2 {
		f, err := os.CreateTemp(dir, TempPattern(path))
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		stale = append(stale, filepath.Base(f.Name()))
	}
	keep := []string{".checkpoint.safetensors.tmp", ".checkpoint.safetensors.tmp12x", "checkpoint.safetensors.tmp12",
		".model.safetensors.tmp12", ".checkpoint.safetensors.tmp.bak"}
	for _, n := range keep {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := RemoveTemps(path)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(stale) // ReadDir's order
	if !slices.Equal(removed, stale) {
		t.Errorf("removed %q, want %q", removed, stale)
	}
	only(t, dir, slices.Sorted(slices.Values(append(keep, "checkpoint.safetensors")))...)
}
