package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"metaglot/core/checkpoint"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// The PyTorch reference (interop/torch) for conv4s2 models, both ways, as
// TestTorchInteropToPyTorch and TestTorchInteropFromPyTorch do for the
// bundled Conv4 models. Skipped without PyTorch (needTorch).

// TestTorchInteropConv4S2ToPyTorch: conv4s2 models written by metaglot (a
// ProtoNet and a FOMAML with a 5×256 head, random weights with learned
// running statistics, config net conv4s2) load into interop/torch's
// Conv4S2 with load_state_dict(strict=True), give nn.Conv4S2's embeddings
// and logits within torchTol, and come back from PyTorch as the very same
// bytes. The same files with the net left out load into PyTorch's Conv4,
// whose embeddings are other ones: the metadata chooses the network.
func TestTorchInteropConv4S2ToPyTorch(t *testing.T) {
	needTorch(t)
	ds, chars := testCharacters(t)
	x := tensor.New(4, 1, 28, 28)
	for i, it := range [4][3]int{{chars[0], 0, 0}, {chars[1], 5, 1}, {chars[2], 11, 2}, {chars[0], 19, 3}} {
		ds.WriteImage(x.Data[i*784:(i+1)*784], it[0], it[1], it[2])
	}
	dir := t.TempDir()
	var args, models []string
	for i, algo := range []string{"protonet", "fomaml"} {
		rng := rand.New(rand.NewPCG(uint64(i), 7))
		params := nn.NewConv4Params(rng)
		if algo == "fomaml" {
			h := nn.Linear{Name: learner.HeadName, In: nn.Conv4S2EmbeddingDim, Out: 5}.NewParams(rng)
			for j := range h.Len() {
				params.Add(h.At(j))
			}
		}
		net := nn.NewConv4S2(nil)
		for range 5 { // running statistics away from 0 and 1
			if _, err := net.Forward(params, x, true); err != nil {
				t.Fatal(err)
			}
		}
		cfg := modelfile.Config{Algo: algo, Net: "conv4s2", Split: "vinyals", Way: 5, Shot: 1, Query: 1, Episodes: 3}
		var buf bytes.Buffer
		if err := checkpoint.Encode(&buf, params, modelfile.Meta{Kind: modelfile.KindModel, Config: cfg, Episodes: 3, Description: "conv4s2 interop test"}.Encode()); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, algo+"-conv4s2.safetensors")
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		fx := torchFixture{Images: x.Data}
		fx.Embeddings, fx.Logits = inference(t, "conv4s2", params, x)
		raw, err := json.Marshal(fx)
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, algo+".json")
		if err := os.WriteFile(f, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		models = append(models, path)
		args = append(args, "-model", path, "-fixture", f, "-roundtrip", path+".back")
	}
	out := runPython(t, "check.py", append(args, "-tol", fmt.Sprint(torchTol))...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(models) {
		t.Fatalf("check.py printed %d lines for %d models:\n%s", len(lines), len(models), out)
	}
	for i, path := range models {
		var r struct {
			OK     bool    `json:"ok"`
			Net    string  `json:"net"`
			Head   int     `json:"head"`
			Emb    float64 `json:"max_rel_diff_embeddings"`
			Logits float64 `json:"max_rel_diff_logits"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &r); err != nil {
			t.Fatalf("check.py line %d: %v: %s", i, err, lines[i])
		}
		if !r.OK || r.Net != "conv4s2" || r.Head != []int{0, 5}[i] {
			t.Errorf("%s in PyTorch: %s", path, lines[i])
		}
		t.Logf("%s: net %s, head %d, PyTorch − metaglot relative: embeddings %.2g, logits %.2g", filepath.Base(path), r.Net, r.Head, r.Emb, r.Logits)
		a, errA := os.ReadFile(path)
		b, errB := os.ReadFile(path + ".back")
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s written back by PyTorch: not the same bytes (%d and %d bytes; %v %v)", path, len(a), len(b), errA, errB)
		}
	}
	// The ProtoNet file without its net is a Conv4 to PyTorch, and a
	// Conv4's embeddings are not conv4s2's: check.py fails it.
	params, _, err := checkpoint.Read(models[0])
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := checkpoint.Encode(&buf, params, modelfile.Meta{Kind: modelfile.KindModel, Config: modelfile.Config{Algo: "protonet", Split: "vinyals", Way: 5, Shot: 1, Query: 1}}.Encode()); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "protonet-conv4.safetensors")
	if err := os.WriteFile(plain, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := runPythonStatus(t, "check.py", "-model", plain, "-fixture", filepath.Join(dir, "protonet.json"))
	if cmd.err == nil || !strings.Contains(cmd.stderr, "PyTorch gives 256") {
		t.Errorf("conv4s2 embeddings accepted from PyTorch's Conv4: %v %s %s", cmd.err, cmd.stdout, cmd.stderr)
	}
}

// execPython returns the command that runs an interop/torch script.
func execPython(script string, args ...string) *exec.Cmd {
	cmd := exec.Command(torchPython, append([]string{filepath.Join(interopDir, script)}, args...)...)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1") // no __pycache__ in the repository
	return cmd
}

// pythonRun is the outcome of runPythonStatus.
type pythonRun struct {
	stdout, stderr string
	err            error
}

// runPythonStatus runs an interop/torch script and returns its outputs
// and error without failing the test.
func runPythonStatus(t *testing.T, script string, args ...string) pythonRun {
	t.Helper()
	var o, e bytes.Buffer
	cmd := execPython(script, args...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	return pythonRun{o.String(), e.String(), err}
}

// TestTorchInteropConv4S2FromPyTorch: interop/torch/train.py -net conv4s2
// (ProtoNet, and FOMAML with a learned head, two tasks each) writes models
// whose config says net conv4s2; metaglot loads them as conv4s2, computes
// PyTorch's embeddings and logits (within torchTol) with nn.Conv4S2, and
// evaluates them with metaglot eval.
func TestTorchInteropConv4S2FromPyTorch(t *testing.T) {
	needTorch(t)
	dir := t.TempDir()
	for _, run := range [][]string{
		{"-algo", "protonet", "-way", "5", "-shot", "1", "-query", "2", "-episodes", "2"},
		{"-algo", "fomaml", "-way", "5", "-shot", "1", "-query", "1", "-meta-batch", "2", "-episodes", "2"},
	} {
		algo := run[1]
		t.Run(algo, func(t *testing.T) {
			model := filepath.Join(dir, algo+".safetensors")
			fixture := filepath.Join(dir, algo+".json")
			runPython(t, "train.py", append(run, "-net", "conv4s2", "-out", model, "-fixture", fixture, "-log-every", "1000")...)
			raw, err := os.ReadFile(fixture)
			if err != nil {
				t.Fatal(err)
			}
			var fx torchFixture
			if err := json.Unmarshal(raw, &fx); err != nil {
				t.Fatal(err)
			}
			params, _, m, err := loadModel(model)
			if err != nil {
				t.Fatalf("metaglot cannot load PyTorch's conv4s2 model: %v", err)
			}
			if m.Config.Algo != algo || m.Config.Net != "conv4s2" {
				t.Fatalf("metadata: algo %q, net %q; want %q, conv4s2", m.Config.Algo, m.Config.Net, algo)
			}
			x := tensor.FromData(fx.Images, len(fx.Items), 1, 28, 28)
			emb, logits := inference(t, "conv4s2", params, x)
			worst, err := within(fx.Embeddings, emb)
			if err != nil || worst > torchTol {
				t.Errorf("embeddings: PyTorch vs metaglot relative difference %g (%v), want ≤ %g", worst, err, torchTol)
			}
			if algo == "fomaml" {
				w, err := within(fx.Logits, logits)
				if err != nil || len(logits) != 4*5 || w > torchTol {
					t.Errorf("logits: PyTorch vs metaglot relative difference %g (%v, %d logits), want ≤ %g", w, err, len(logits), torchTol)
				}
				worst = max(worst, w)
			}
			t.Logf("conv4s2 %s from PyTorch: relative difference %.2g", algo, worst)
			code, stdout, stderr := runCLI("eval", "-model", model, "-episodes", "2", "-assets", testAssets, "-threads", "1")
			if code != 0 || !strings.Contains(stdout, algo+" 5-way") {
				t.Errorf("metaglot eval of PyTorch's conv4s2 model: exit %d: %s %s", code, stdout, stderr)
			}
		})
	}
}
