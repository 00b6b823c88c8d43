package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"metaglot/core/checkpoint"
	"metaglot/core/learner"
	"metaglot/core/tensor"
)

// The PyTorch reference in interop/torch, run against this package's
// loaders. These tests need /usr/bin/python3 with Debian's python3-torch,
// python3-numpy and python3-pil and skip, saying so, on a machine without
// them: metaglot itself never depends on PyTorch.

const (
	torchPython = "/usr/bin/python3"
	interopDir  = "../../interop/torch"
	// torchTol bounds |PyTorch − metaglot| / (1 + |metaglot|) for
	// embeddings and logits: the two sum the convolutions in other orders.
	torchTol = 1e-4
)

// needTorch skips t unless torchPython imports torch, numpy and PIL.
func needTorch(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(torchPython); err != nil {
		t.Skipf("PyTorch interop not checked: %s is missing", torchPython)
	}
	out, err := exec.Command(torchPython, "-c", "import torch, numpy, PIL").CombinedOutput()
	if err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		t.Skipf("PyTorch interop not checked: %s cannot import torch, numpy and PIL (apt-get install python3-torch python3-numpy python3-pil): %s", torchPython, lines[len(lines)-1])
	}
}

// runPython runs an interop/torch script and returns its standard output.
func runPython(t *testing.T, script string, args ...string) string {
	t.Helper()
	cmd := exec.Command(torchPython, append([]string{filepath.Join(interopDir, script)}, args...)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1") // no __pycache__ in the repository
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstdout: %s\nstderr: %s", script, strings.Join(args, " "), err, o.String(), e.String())
	}
	return o.String()
}

// torchFixture is what the interop scripts exchange: images (N×28×28,
// flattened) and what a model computes for them in inference mode.
type torchFixture struct {
	Images     []float32 `json:"images"`
	Embeddings []float64 `json:"embeddings"`
	Logits     []float64 `json:"logits,omitempty"`
	// Written by train.py: where each image comes from (character index
	// in index.json's order, drawer, quarter turns) and its class counts.
	Items   [][3]int       `json:"items,omitempty"`
	Classes map[string]int `json:"classes,omitempty"`
}

// inference returns what metaglot computes for images x with params in
// inference mode: the embeddings of the network net ("" is Conv4) and, for
// a head network, the logits.
func inference(t *testing.T, net string, params *tensor.Set, x *tensor.Tensor) (emb, logits []float64) {
	t.Helper()
	nt, err := learner.NetNamed(net)
	if err != nil {
		t.Fatal(err)
	}
	e, err := nt.New(nil).Forward(params, x, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range e.Data {
		emb = append(emb, float64(v))
	}
	if params.Has(learner.HeadName + ".weight") {
		l, err := nt.NewHeadNet(nil, learner.RunningBN).Logits(params, x, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range l.Data {
			logits = append(logits, float64(v))
		}
	}
	return emb, logits
}

// within returns the largest relative difference of got from want, or an
// error when their lengths differ.
func within(got, want []float64) (float64, error) {
	if len(got) != len(want) {
		return 0, fmt.Errorf("%d values, want %d", len(got), len(want))
	}
	worst := 0.0
	for i := range got {
		worst = max(worst, math.Abs(got[i]-want[i])/(1+math.Abs(want[i])))
	}
	return worst, nil
}

// TestTorchInteropToPyTorch: every bundled model loads into interop/torch's
// network (Conv4 or Conv4S2, as its metadata says) with
// load_state_dict(strict=True), gives metaglot's embeddings and logits for
// four Omniglot test images (rotated too) within torchTol, and
// written back by PyTorch is the very same file: the same tensors bit for
// bit, in the same order, with the same metadata, in the same bytes.
func TestTorchInteropToPyTorch(t *testing.T) {
	needTorch(t)
	models, err := filepath.Glob(filepath.Join(testAssets, "models", "*.safetensors"))
	if err != nil || len(models) == 0 {
		t.Fatalf("no models in %s/models: %v", testAssets, err)
	}
	// interop/torch is the Conv4 family's; a MANN (its metadata's algo) is not a Conv4.
	models = slices.DeleteFunc(models, func(p string) bool {
		_, _, meta, err := loadModel(p)
		return err == nil && meta.Config.Algo == "mann"
	})
	ds, chars := testCharacters(t)
	x := tensor.New(4, 1, 28, 28)
	for i, it := range [4][3]int{{chars[0], 0, 0}, {chars[1], 5, 1}, {chars[2], 11, 2}, {chars[0], 19, 3}} {
		ds.WriteImage(x.Data[i*784:(i+1)*784], it[0], it[1], it[2])
	}
	dir := t.TempDir()
	var args []string
	for i, path := range models {
		params, _, meta, err := loadModel(path)
		if err != nil {
			t.Fatal(err)
		}
		fx := torchFixture{Images: x.Data}
		fx.Embeddings, fx.Logits = inference(t, meta.Config.Net, params, x)
		raw, err := json.Marshal(fx)
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, fmt.Sprintf("fixture%d.json", i))
		if err := os.WriteFile(f, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-model", path, "-fixture", f, "-roundtrip", filepath.Join(dir, fmt.Sprintf("rt%d.safetensors", i)))
	}
	out := runPython(t, "check.py", append(args, "-tol", fmt.Sprint(torchTol))...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(models) {
		t.Fatalf("check.py printed %d lines for %d models:\n%s", len(lines), len(models), out)
	}
	for i, path := range models {
		var r struct {
			OK        bool    `json:"ok"`
			Strict    bool    `json:"strict"`
			Head      int     `json:"head"`
			Emb       float64 `json:"max_rel_diff_embeddings"`
			Logits    float64 `json:"max_rel_diff_logits"`
			Roundtrip string  `json:"roundtrip"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &r); err != nil {
			t.Fatalf("check.py line %d: %v: %s", i, err, lines[i])
		}
		if !r.OK || !r.Strict {
			t.Errorf("%s in PyTorch: %s", path, lines[i])
		}
		t.Logf("%s: head %d, PyTorch − metaglot relative: embeddings %.2g, logits %.2g", filepath.Base(path), r.Head, r.Emb, r.Logits)
		want, wantMeta, err := checkpoint.Read(path)
		if err != nil {
			t.Fatal(err)
		}
		got, gotMeta, err := checkpoint.Read(r.Roundtrip)
		if err != nil {
			t.Fatalf("%s written back by PyTorch: %v", path, err)
		}
		if err := sameBits(got, want); err != nil {
			t.Errorf("%s written back by PyTorch: %v", path, err)
		}
		if fmt.Sprint(gotMeta) != fmt.Sprint(wantMeta) {
			t.Errorf("%s written back by PyTorch: metadata %v, want %v", path, gotMeta, wantMeta)
		}
		// interop/torch writes the layout checkpoint.Encode writes.
		a, errA := os.ReadFile(path)
		b, errB := os.ReadFile(r.Roundtrip)
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s written back by PyTorch: not the same bytes (%d and %d bytes; %v %v)", path, len(a), len(b), errA, errB)
		}
	}
}

// sameBits reports the first difference between two sets: names, order,
// shapes or any bit of any value.
func sameBits(got, want *tensor.Set) error {
	if got.Len() != want.Len() {
		return fmt.Errorf("%d tensors, want %d", got.Len(), want.Len())
	}
	for i := range want.Len() {
		wn, w := want.At(i)
		gn, g := got.At(i)
		if gn != wn || !tensor.SameShape(g.Shape, w.Shape) {
			return fmt.Errorf("tensor %d is %s %v, want %s %v", i, gn, g.Shape, wn, w.Shape)
		}
		for k := range w.Data {
			if math.Float32bits(g.Data[k]) != math.Float32bits(w.Data[k]) {
				return fmt.Errorf("%s[%d] = %v, want %v", wn, k, g.Data[k], w.Data[k])
			}
		}
	}
	return nil
}

// TestTorchInteropFromPyTorch: interop/torch/train.py (ProtoNet, and FOMAML
// with a learned head, two tasks each on one CPU) writes models that
// metaglot loads as they are, with its metadata and provenance, computes
// the same embeddings and logits from (within torchTol), and scores with
// metaglot eval; the images PyTorch drew are metaglot's pixels exactly
// (same character indices, drawers and rotations), from the same number of
// training and test classes.
func TestTorchInteropFromPyTorch(t *testing.T) {
	needTorch(t)
	ds, _ := testCharacters(t) // the vinyals-test alphabets, which train.py's fixture images come from
	dir := t.TempDir()
	for _, run := range [][]string{
		{"-algo", "protonet", "-way", "5", "-shot", "1", "-query", "2", "-episodes", "2"},
		{"-algo", "fomaml", "-way", "5", "-shot", "1", "-query", "1", "-meta-batch", "2", "-episodes", "2"},
	} {
		algo := run[1]
		t.Run(algo, func(t *testing.T) {
			model := filepath.Join(dir, algo+".safetensors")
			fixture := filepath.Join(dir, algo+".json")
			runPython(t, "train.py", append(run, "-out", model, "-fixture", fixture, "-log-every", "1000")...)
			raw, err := os.ReadFile(fixture)
			if err != nil {
				t.Fatal(err)
			}
			var fx torchFixture
			if err := json.Unmarshal(raw, &fx); err != nil {
				t.Fatal(err)
			}
			for name, split := range map[string]string{"train": "vinyals-trainval", "test": "vinyals-test"} {
				s, err := ds.Split(split)
				if err != nil {
					t.Fatal(err)
				}
				if fx.Classes[name] != len(s.Classes) {
					t.Errorf("PyTorch's %s classes: %d, metaglot's %s: %d", name, fx.Classes[name], split, len(s.Classes))
				}
			}
			if len(fx.Items) == 0 || len(fx.Images) != len(fx.Items)*784 {
				t.Fatalf("fixture: %d items, %d pixels", len(fx.Items), len(fx.Images))
			}
			img := make([]float32, 784)
			for i, it := range fx.Items {
				ds.WriteImage(img, it[0], it[1], it[2])
				for k, v := range img {
					if fx.Images[i*784+k] != v {
						t.Fatalf("image %d (character %d, drawer %d, %d quarter turns), pixel %d: PyTorch %v, metaglot %v", i, it[0], it[1], it[2], k, fx.Images[i*784+k], v)
					}
				}
			}
			params, _, m, err := loadModel(model)
			if err != nil {
				t.Fatalf("metaglot cannot load PyTorch's model: %v", err)
			}
			if m.Config.Algo != algo || m.Episodes != 2 {
				t.Errorf("metadata: algo %q, %d episodes; want %q, 2", m.Config.Algo, m.Episodes, algo)
			}
			_, meta, err := checkpoint.Read(model)
			if err != nil {
				t.Fatal(err)
			}
			if d := meta["description"]; !strings.Contains(d, "PyTorch") || !strings.Contains(d, "world size 1") {
				t.Errorf("description %q: want the PyTorch version and world size", d)
			}
			x := tensor.FromData(fx.Images, len(fx.Items), 1, 28, 28)
			emb, logits := inference(t, "", params, x)
			worst, err := within(fx.Embeddings, emb)
			if err != nil || worst > torchTol {
				t.Errorf("embeddings: PyTorch vs metaglot relative difference %g (%v), want ≤ %g", worst, err, torchTol)
			}
			if algo == "fomaml" {
				w, err := within(fx.Logits, logits)
				if err != nil || len(logits) == 0 || w > torchTol {
					t.Errorf("logits: PyTorch vs metaglot relative difference %g (%v, %d logits), want ≤ %g", w, err, len(logits), torchTol)
				}
				worst = max(worst, w)
			}
			t.Logf("%s from PyTorch: relative difference %.2g", algo, worst)
			code, stdout, stderr := runCLI("eval", "-model", model, "-episodes", "2", "-assets", testAssets, "-threads", "1")
			if code != 0 || !strings.Contains(stdout, algo+" 5-way") {
				t.Errorf("metaglot eval of PyTorch's model: exit %d: %s %s", code, stdout, stderr)
			}
		})
	}
}
