package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"metaglot/core/modelfile"
)

// TestUnknownNet: a model or checkpoint whose metadata names a network
// metaglot does not know is refused in one line naming the value by every
// command that reads one; it never runs as Conv4 (whose tensors a
// conv4s2 shares, so only the metadata tells them apart).
func TestUnknownNet(t *testing.T) {
	dir := t.TempDir()
	support := filepath.Join(dir, "drawings")
	writeSquares(t, support, "a", "b", "c", "d", "e")
	edit := func(c *runConfig) { c.Net = "resnet12" }
	model := filepath.Join(dir, "model.safetensors")
	writeFOMAMLFile(t, model, modelfile.KindModel, 5, edit)
	run := filepath.Join(dir, "run")
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFOMAMLFile(t, filepath.Join(run, checkpointFile), modelfile.KindCheckpoint, 5, edit)
	for _, args := range [][]string{
		{"eval", "-model", model, "-episodes", "1", "-assets", testAssets},
		{"classify", "-model", model, "-support", support, "-query", support},
		{"export", "-model", model, "-onnx", filepath.Join(dir, "out.onnx")},
		{"train", "-algo", "fomaml", "-init", model, "-assets", testAssets, "-out", filepath.Join(dir, "init")},
		{"train", "-resume", "-out", run, "-assets", testAssets, "-progress=false"},
	} {
		code, _, stderr := runCLI(args...)
		if code != 1 || !strings.Contains(stderr, `-net "resnet12"`) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 and one line naming -net \"resnet12\"", args, code, stderr)
		}
	}
	code, _, stderr := runCLI("train", "-algo", "fomaml", "-net", "resnet12", "-assets", testAssets, "-out", filepath.Join(dir, "flag"))
	if code != 2 || !strings.Contains(stderr, `-net "resnet12"`) {
		t.Errorf("train -net resnet12: exit %d, stderr %q; want a usage error naming it", code, stderr)
	}

}
