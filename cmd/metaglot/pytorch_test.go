package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

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
