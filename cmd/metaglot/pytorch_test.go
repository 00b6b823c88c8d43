package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"metaglot/core/checkpoint"
	"metaglot/core/learner"
	"metaglot/core/tensor"
)

// TestPyTorchNames loads a Conv4 saved from PyTorch's state_dict() with
// learn2learn's CNN4 names and num_batches_tracked (testdata/
// gen_torch_l2l.py) and checks that metaglot computes PyTorch's logits
// for the same images (inference mode, running statistics).
func TestPyTorchNames(t *testing.T) {
	path := filepath.Join("testdata", "torch_l2l_cnn4.safetensors")
	params, _, _, err := loadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "torch_l2l_cnn4.json"))
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Images []float32 `json:"images"`
		Logits []float64 `json:"logits"`
	}
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	x := tensor.FromData(golden.Images, 3, 1, 28, 28)
	logits, err := learner.NewHeadNet(nil, learner.RunningBN).Logits(params, x, false)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range golden.Logits {
		if got := float64(logits.Data[i]); math.Abs(got-want) > 1e-4*(1+math.Abs(want)) {
			t.Fatalf("logit %d: metaglot %v, PyTorch %v", i, got, want)
		}
	}
	code, stdout, stderr := runCLI("eval", "-model", path, "-episodes", "2", "-assets", testAssets, "-threads", "1")
	if code != 0 {
		t.Errorf("eval of the PyTorch file: exit %d: %s %s", code, stdout, stderr)
	}
}

// TestForeignFileWithAlgo: a file without metaglot's metadata (a plain
// state_dict) is refused with a hint unless -algo says what it holds, and
// then evaluated with the learner's reference settings.
func TestForeignFileWithAlgo(t *testing.T) {
	tensors, _, err := checkpoint.Read(filepath.Join("testdata", "torch_l2l_cnn4.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(t.TempDir(), "plain.safetensors")
	if err := checkpoint.Write(plain, tensors, nil); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI("eval", "-model", plain, "-episodes", "1", "-assets", testAssets, "-threads", "1")
	if code == 0 || !strings.Contains(stderr, "-algo") {
		t.Errorf("no -algo: exit %d, %q; want a refusal naming -algo", code, stderr)
	}
	code, stdout, stderr := runCLI("eval", "-model", plain, "-algo", "fomaml", "-episodes", "2", "-assets", testAssets, "-threads", "1")
	if code != 0 || !strings.Contains(stdout, "fomaml 5-way") {
		t.Errorf("-algo fomaml: exit %d: %s %s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI("eval", "-model", plain, "-algo", "protonet", "-episodes", "2", "-assets", testAssets, "-threads", "1")
	if code == 0 {
		t.Errorf("-algo protonet on a file with a head: exit 0: %s", stdout)
	}
}
