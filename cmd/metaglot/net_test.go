package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"metaglot/core/checkpoint"
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

// TestTrainNet: -net conv4s2 trains FOMAML, Reptile and ProtoNet on the
// stride-2 network and records it in the model and the checkpoint; a
// resume that changes -net is refused; classify (as eval and every loader)
// runs the network the metadata names: the same file relabelled as conv4
// classifies differently. MANN has no net setting, and -init refuses a
// model of another network.
func TestTrainNet(t *testing.T) {
	dir := t.TempDir()
	support := filepath.Join(dir, "drawings")
	writeSquares(t, support, "a", "b", "c", "d", "e")
	base := func(algo, out string, extra ...string) []string {
		args := []string{"train", "-algo", algo, "-way", "5", "-shot", "1", "-query", "1",
			"-checkpoint-every", "2", "-assets", testAssets, "-threads", "1", "-progress=false", "-out", out}
		if algo != "protonet" {
			args = append(args, "-meta-batch", "2", "-inner-steps", "1", "-adapt-steps", "1")
		}
		return append(args, extra...)
	}
	models := map[string]string{}
	for _, algo := range []string{"fomaml", "reptile", "protonet"} {
		out := filepath.Join(dir, algo)
		if code, _, stderr := runCLI(base(algo, out, "-episodes", "2", "-net", "conv4s2")...); code != 0 {
			t.Fatalf("%s -net conv4s2: exit %d: %s", algo, code, stderr)
		}
		model := filepath.Join(out, modelFile)
		models[algo] = model
		for _, f := range []string{model, filepath.Join(out, checkpointFile)} {
			if _, _, m, err := loadModel(f); err != nil || m.Config.Net != "conv4s2" {
				t.Errorf("%s: %s records net %q (%v), want conv4s2", algo, f, m.Config.Net, err)
			}
		}
		var s2 string
		code, _, stderr := runCLI(base(algo, out, "-resume", "-episodes", "4", "-net", "conv4")...)
		if code != 2 || !strings.Contains(stderr, "-net conv4") || !strings.Contains(stderr, "differs from the run") {
			t.Errorf("%s: resume with -net conv4: exit %d, stderr %q", algo, code, stderr)
		}
		if code, _, stderr := runCLI(base(algo, out, "-resume", "-episodes", "4")...); code != 0 {
			t.Errorf("%s: resume: exit %d: %s", algo, code, stderr)
		}

		classify := func(path string) (int, string, string) {
			return runCLI("classify", "-model", path, "-support", support, "-query", support, "-json", "-threads", "1")
		}
		code, s2, stderr = classify(model)
		if code != 0 {
			t.Fatalf("%s: classify: exit %d: %s", algo, code, stderr)
		}
		if code, _, stderr := runCLI("eval", "-model", model, "-episodes", "2", "-way", "5", "-shot", "1", "-assets", testAssets, "-threads", "1"); code != 0 {
			t.Errorf("%s: eval: exit %d: %s", algo, code, stderr)
		}
		asConv4 := filepath.Join(dir, algo+"-as-conv4.safetensors")
		relabel(t, model, asConv4, "")
		code, c4, stderr := classify(asConv4)
		switch {
		case algo == "protonet" && code != 0:
			t.Errorf("%s: classify as conv4: exit %d: %s", algo, code, stderr)
		case algo == "protonet" && s2 == c4:
			t.Errorf("%s: the conv4s2 model classifies as the same weights on Conv4 do: its net is not honoured\n%s", algo, s2)
		case algo != "protonet" && (code != 1 || !strings.Contains(stderr, "[5 256]") || !strings.Contains(stderr, "[5 64]")):
			// A learned head is as wide as the embedding: the file's
			// 256-input head does not fit the Conv4 the metadata now names.
			t.Errorf("%s: classify of the conv4s2 weights said to be conv4: exit %d, stderr %q; want the head's shapes refused", algo, code, stderr)
		}
	}
	code, stdout, stderr := runCLI("export", "-model", models["protonet"], "-onnx", filepath.Join(dir, "s2.onnx"))
	if code != 0 || !strings.Contains(stdout, "conv4s2 embeddings") || !strings.Contains(stdout, "N×256") {
		t.Errorf("export of a conv4s2 model: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, _, stderr = runCLI(base("fomaml", filepath.Join(dir, "init"), "-episodes", "2", "-init", models["protonet"])...)
	if code != 2 || !strings.Contains(stderr, "conv4s2 network") || !strings.Contains(stderr, "-net conv4") {
		t.Errorf("-init of a conv4s2 model into a conv4 run: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runCLI(base("fomaml", filepath.Join(dir, "init2"), "-episodes", "2", "-net", "conv4s2", "-init", models["protonet"])...); code != 0 {
		t.Errorf("-init of a conv4s2 model into a conv4s2 run: exit %d: %s", code, stderr)
	}
	code, _, stderr = runCLI("train", "-algo", "mann", "-net", "conv4s2", "-assets", testAssets, "-out", filepath.Join(dir, "mann"))
	if code != 2 || !strings.Contains(stderr, "-net conv4s2") || !strings.Contains(stderr, "mann does not use it") {
		t.Errorf("train -algo mann -net conv4s2: exit %d, stderr %q", code, stderr)
	}
}

// relabel copies the model file src to dst with its config's net set to
// net: the same tensors, said to be another network's.
func relabel(t *testing.T, src, dst, net string) {
	t.Helper()
	params, meta, err := checkpoint.Read(src)
	if err != nil {
		t.Fatal(err)
	}
	m, err := modelfile.Decode(meta)
	if err != nil {
		t.Fatal(err)
	}
	m.Config.Net = net
	if err := checkpoint.Write(dst, params, m.Encode()); err != nil {
		t.Fatal(err)
	}
}
