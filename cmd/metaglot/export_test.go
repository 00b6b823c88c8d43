package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The PyTorch fixture Conv4 (a plain state_dict) and its committed ONNX
// export (interop/onnx/gen.sh), which core/onnx checks against
// onnxruntime.
var (
	exportFixture = filepath.Join("..", "..", "core", "checkpoint", "testdata", "torch_conv4.safetensors")
	exportONNX    = filepath.Join("..", "..", "core", "onnx", "testdata", "conv4.onnx")
)

// TestExportCommand: `metaglot export` of the fixture writes the very
// bytes of the committed ONNX file (so the file onnxruntime ran is what
// the command writes), and again on a second run.
func TestExportCommand(t *testing.T) {
	want, err := os.ReadFile(exportONNX)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "conv4.onnx")
	for i := range 2 {
		code, stdout, stderr := runCLI("export", "-algo", "protonet", "-model", exportFixture, "-onnx", out)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if !strings.Contains(stdout, "BatchNorm folded") || stderr != "" {
			t.Errorf("stdout %q, stderr %q", stdout, stderr)
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("run %d: %d bytes differ from %s (%d); if export changed on purpose, run sh interop/onnx/gen.sh", i, len(got), exportONNX, len(want))
		}
	}
}

// TestExportBundled: a metaglot model file keeps its provenance in the
// ONNX metadata, and a model that normalises with batch statistics or has
// a learned head exports with a note saying what the ONNX network does
// instead.
func TestExportBundled(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		algo  string
		notes []string
	}{
		{"protonet", nil},
		{"fomaml", []string{"uses its running statistics", "head of"}},
	} {
		if c.algo == "fomaml" {
			// The notes depend on the bundled model's settings.
			_, _, m, err := loadModel(filepath.Join(testAssets, "models", "fomaml.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			if m.Config.BN == "running" {
				c.notes = c.notes[1:]
			}
			if !m.Config.hasHead() {
				c.notes = c.notes[:len(c.notes)-1]
			}
		}
		out := filepath.Join(dir, c.algo+".onnx")
		code, _, stderr := runCLI("export", "-algo", c.algo, "-assets", testAssets, "-onnx", out)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", c.algo, code, stderr)
		}
		if strings.Count(stderr, "note:") != len(c.notes) {
			t.Errorf("%s: stderr %q, want %d notes", c.algo, stderr, len(c.notes))
		}
		for _, n := range c.notes {
			if !strings.Contains(stderr, n) {
				t.Errorf("%s: stderr %q lacks %q", c.algo, stderr, n)
			}
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"config", "episodes", "source_sha256", c.algo + ".safetensors"} {
			if !bytes.Contains(b, []byte(key)) {
				t.Errorf("%s: the ONNX file does not carry %q", c.algo, key)
			}
		}
	}
}

// TestExportErrors: bad flags and files that hold no Conv4 give a one-line
// error naming the problem, and the model file is never overwritten.
func TestExportErrors(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.safetensors")
	data, err := os.ReadFile(exportFixture)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(model, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-model", model}, 2, "-onnx OUT.onnx is required"},
		{[]string{"-algo", "nope", "-model", model, "-onnx", filepath.Join(dir, "o.onnx")}, 2, "nope"},
		{[]string{"-model", model, "-onnx", filepath.Join(dir, "o.onnx")}, 1, "no metaglot metadata"},
		{[]string{"-algo", "protonet", "-model", model, "-onnx", model}, 2, "is the model file itself"},
		{[]string{"-algo", "protonet", "-model", filepath.Join(dir, "missing.safetensors"), "-onnx", filepath.Join(dir, "o.onnx")}, 1, "missing.safetensors"},
		{[]string{"-algo", "protonet", "-model", model, "-onnx", filepath.Join(dir, "no", "o.onnx")}, 1, "-onnx"},
	} {
		code, _, stderr := runCLI(append([]string{"export"}, c.args...)...)
		if code != c.code || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line containing %q", c.args, code, stderr, c.code, c.want)
		}
	}
	if got, err := os.ReadFile(model); err != nil || !bytes.Equal(got, data) {
		t.Errorf("the model file changed")
	}
	// A model without a Conv4: the bundled MANN.
	if _, err := os.Stat(filepath.Join(testAssets, "models", "mann.safetensors")); err != nil {
		t.Skipf("no bundled MANN model: %v", err)
	}
	code, _, stderr := runCLI("export", "-algo", "mann", "-assets", testAssets, "-onnx", filepath.Join(dir, "mann.onnx"))
	if code != 1 || !strings.Contains(stderr, "no Conv4 embedding network") {
		t.Errorf("mann: exit %d, stderr %q", code, stderr)
	}
}
