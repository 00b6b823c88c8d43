package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"metaglot/core/checkpoint"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/tensor"
)

// writeFOMAMLFile writes a FOMAML model (or checkpoint) file whose config
// is cfg but whose head has headWay rows: a file whose metadata lies.
func writeFOMAMLFile(t *testing.T, path, kind string, headWay int, edit func(*runConfig)) {
	t.Helper()
	cfg := defaultConfig("fomaml")
	cfg.Way = headWay
	edit(&cfg)
	params := learner.NewHeadNetParams(rand.New(rand.NewPCG(1, 2)), headWay)
	m := runMeta{Kind: kind, Config: cfg, Episodes: 1}
	if err := checkpoint.Write(path, params, m.encode()); err != nil {
		t.Fatal(err)
	}
}

// TestHostileModelConfig: a model or checkpoint file whose config holds
// absurd numbers (a 10¹²-class head, a meta-batch of 10⁹, …) is refused in
// one line naming the file and the number by every command that reads
// one, before anything is allocated from the config (it used to end in a
// fatal out-of-memory error).
func TestHostileModelConfig(t *testing.T) {
	dir := t.TempDir()
	support := filepath.Join(dir, "drawings")
	writeSquares(t, support, "a", "b", "c", "d", "e")
	for _, tc := range []struct {
		name string
		edit func(*runConfig)
		want string
	}{
		{"way1e12", func(c *runConfig) { c.Way = 1e12 }, "-way 1000000000000"},
		{"way2e8", func(c *runConfig) { c.Way = 2e8 }, "-way 200000000"},
		{"way7", func(c *runConfig) { c.Way = 7 }, "7-class head, but tensor head.weight is [5 64]"},
		{"metabatch", func(c *runConfig) { c.MetaBatch = 1e9 }, "-meta-batch 1000000000"},
		{"adapt", func(c *runConfig) { c.AdaptSteps = 1e9 }, "-adapt-steps 1000000000"},
		{"innerlr", func(c *runConfig) { c.InnerLR = 1e6 }, "-inner-lr 1e+06"},
		{"valepisodes", func(c *runConfig) { c.ValEpisodes = 1e12 }, "-val-episodes 1000000000000"},
	} {
		model := filepath.Join(dir, tc.name+".safetensors")
		writeFOMAMLFile(t, model, modelfile.KindModel, 5, tc.edit)
		run := filepath.Join(dir, tc.name)
		if err := os.MkdirAll(run, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFOMAMLFile(t, filepath.Join(run, checkpointFile), modelfile.KindCheckpoint, 5, tc.edit)
		for _, args := range [][]string{
			{"eval", "-model", model, "-episodes", "1", "-assets", testAssets},
			{"classify", "-model", model, "-support", support, "-query", support},
			{"train", "-algo", "fomaml", "-init", model, "-assets", testAssets, "-out", filepath.Join(dir, tc.name+"-init")},
			{"train", "-resume", "-out", run, "-assets", testAssets, "-progress=false"},
		} {
			code, _, stderr := runCLI(args...)
			if code != 1 || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("%s: %v: exit %d, stderr %q; want exit 1 and one line with %q", tc.name, args, code, stderr, tc.want)
			}
		}
	}
}

// writeSquares writes one 28×28 PNG per name into dir: a black square on
// white, at a different place in each.
func writeSquares(t *testing.T, dir string, names ...string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, name := range names {
		img := image.NewGray(image.Rect(0, 0, 28, 28))
		for p := range img.Pix {
			img.Pix[p] = 255
		}
		for y := 4 + 2*i; y < 12+2*i; y++ {
			for x := 4 + 3*i; x < 10+3*i; x++ {
				img.SetGray(x, y, color.Gray{})
			}
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDecodeModelHeadFromTensors: a head-model file without its head
// tensor, or with one of another shape, is refused before the head is
// built.
func TestDecodeModelHeadFromTensors(t *testing.T) {
	cfg := defaultConfig("fomaml")
	for _, tc := range []struct {
		name   string
		tensor *tensor.Tensor
		want   string
	}{
		{"missing", nil, "head.weight is missing"},
		{"vector", tensor.New(5), "head.weight is [5]"},
	} {
		params := learner.NewHeadNetParams(rand.New(rand.NewPCG(1, 2)), 5)
		s := &tensor.Set{}
		for i := range params.Len() {
			n, x := params.At(i)
			if n == learner.HeadName+".weight" {
				if tc.tensor == nil {
					continue
				}
				x = tc.tensor
			}
			s.Add(n, x)
		}
		path := filepath.Join(t.TempDir(), "m.safetensors")
		if err := checkpoint.Write(path, s, runMeta{Kind: modelfile.KindModel, Config: cfg, Episodes: 1}.encode()); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := loadModel(path); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v, want one naming %s and %q", tc.name, err, path, tc.want)
		}
	}
}
