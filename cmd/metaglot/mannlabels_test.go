package main

import (
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"metaglot/core/checkpoint"
	"metaglot/core/learner/learnertest"
	"metaglot/core/mann"
)

// tinyStringMANN trains a 5-way string-label MANN for two episodes into
// a new directory and returns it.
func tinyStringMANN(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "mann-string")
	if code, _, stderr := runCLI("train", "-algo", "mann", "-labels", "string", "-way", "5", "-shot", "1", "-query", "1", "-meta-batch", "1",
		"-episodes", "2", "-checkpoint-every", "1", "-assets", testAssets, "-threads", "1", "-progress=false", "-out", out); code != 0 {
		t.Fatal(stderr)
	}
	return out
}

// TestTrainStringLabels: `train -labels string` records the label code in
// the model and the checkpoint (a round trip through the file's config),
// the network has 25 label units in and out, and -resume refuses another
// code in one line (and resumes with the same one).
func TestTrainStringLabels(t *testing.T) {
	out := tinyStringMANN(t)
	for _, name := range []string{modelFile, checkpointFile} {
		params, _, m, err := loadModel(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if m.Config.Labels != "string" {
			t.Errorf("%s: labels %q, want string", name, m.Config.Labels)
		}
		if w := params.Get("out.weight"); w == nil || w.Shape[0] != 25 {
			t.Errorf("%s: out.weight %v, want 25 output units", name, w)
		}
	}
	common := []string{"train", "-resume", "-assets", testAssets, "-threads", "1", "-progress=false", "-out", out}
	code, _, stderr := runCLI(append(common, "-labels", "onehot", "-episodes", "4")...)
	if code != 2 || !strings.Contains(stderr, "-labels onehot differs from the run") || !strings.Contains(stderr, "(-labels string)") ||
		strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
		t.Errorf("resume with -labels onehot: exit %d, stderr %q; want exit 2 and one line", code, stderr)
	}
	if code, _, stderr := runCLI(append(common, "-labels", "string", "-episodes", "4")...); code != 0 {
		t.Fatalf("resume with the same code: exit %d: %s", code, stderr)
	}
	if _, _, m, _ := loadModel(filepath.Join(out, modelFile)); m.Episodes != 4 || m.Config.Labels != "string" {
		t.Errorf("resumed run: episode %d, labels %q", m.Episodes, m.Config.Labels)
	}
	// A one-hot run (its settings record no code) refuses -labels string
	// the same way, and resumes with -labels onehot.
	oneHot := filepath.Dir(tinyMANN(t))
	resume := []string{"train", "-resume", "-episodes", "4", "-assets", testAssets, "-threads", "1", "-progress=false", "-out", oneHot}
	code, _, stderr = runCLI(append(resume, "-labels", "string")...)
	if code != 2 || !strings.Contains(stderr, "-labels string differs from the run") {
		t.Errorf("one-hot run resumed with -labels string: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runCLI(append(resume, "-labels", "onehot")...); code != 0 {
		t.Errorf("one-hot run resumed with -labels onehot: exit %d, %q", code, stderr)
	}
}

// TestEvalStringLabels: eval's standard cells and the instances protocol
// count a string-label MANN's answer right only when all five characters
// are. The model answers one fixed string whatever it sees (out.weight
// zero, out.bias favouring the string's letters): the string of class 1
// of the support sequence is right on exactly class 1's queries (20.00 %
// of a 5-way episode, in every episode); a string no class has is never
// right (0.00 %), although the most probable of the task's classes would
// be right on a fifth.
func TestEvalStringLabels(t *testing.T) {
	dir := tinyStringMANN(t)
	params, _, m, err := loadModel(filepath.Join(dir, modelFile))
	if err != nil {
		t.Fatal(err)
	}
	l, err := mann.Load(params, m.encode())
	if err != nil {
		t.Fatal(err)
	}
	probe, err := l.Adapt(learnertest.Task(rand.New(rand.NewPCG(1, 1)), 5, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	strs := probe.(*mann.Classifier).LabelStrings() // the same for every 5-way support sequence
	unused := "aaaaa"
	for strings.Contains(strings.Join(strs, " "), unused) {
		unused = string(rune(unused[0]+1)) + unused[1:]
	}
	for _, tc := range []struct {
		answer string
		want   float64
	}{{strs[1], 20}, {unused, 0}} {
		clear(params.Get("out.weight").Data)
		bo := params.Get("out.bias").Data
		for i := range bo {
			bo[i] = 0
			if int(tc.answer[i/5]-'a') == i%5 {
				bo[i] = 3
			}
		}
		model := filepath.Join(t.TempDir(), "constant.safetensors")
		if err := checkpoint.Write(model, params, m.encode()); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runCLI("eval", "-model", model, "-assets", testAssets, "-way", "5", "-shot", "1", "-query", "3", "-episodes", "4", "-json", "-threads", "1")
		var r evalResult
		if code != 0 || json.Unmarshal([]byte(stdout), &r) != nil {
			t.Fatalf("eval: exit %d: %s %s", code, stdout, stderr)
		}
		if r.Accuracy != tc.want || r.CI95 != 0 {
			t.Errorf("answer %s: accuracy %v ± %v, want %v ± 0", tc.answer, r.Accuracy, r.CI95, tc.want)
		}
		// The instances protocol: classes get fresh strings per episode,
		// so a fixed answer is almost never all five characters right.
		code, stdout, stderr = runCLI("eval", "-model", model, "-assets", testAssets, "-protocol", "instances", "-way", "15",
			"-instances", "3", "-episodes", "3", "-json", "-threads", "1")
		var ir instancesResult
		if code != 0 || json.Unmarshal([]byte(stdout), &ir) != nil || len(ir.Cells) != 3 || ir.Way != 15 {
			t.Fatalf("eval -protocol instances -way 15: exit %d: %s %s", code, stdout, stderr)
		}
		for _, c := range ir.Cells {
			if c.Accuracy > 5 {
				t.Errorf("answer %s: instance %d: %v %% right", tc.answer, c.Instance, c.Accuracy)
			}
		}
	}
}

// TestModelUnknownLabels: a model file whose config names a label code
// this version does not know is refused in one line naming the file and
// the code, by eval as by every loader.
func TestModelUnknownLabels(t *testing.T) {
	dir := tinyStringMANN(t)
	params, _, m, err := loadModel(filepath.Join(dir, modelFile))
	if err != nil {
		t.Fatal(err)
	}
	m.Config.Labels = "braille"
	model := filepath.Join(t.TempDir(), "future.safetensors")
	if err := checkpoint.Write(model, params, m.encode()); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI("eval", "-model", model, "-assets", testAssets, "-episodes", "1")
	if code == 0 || !strings.Contains(stderr, model) || !strings.Contains(stderr, `-labels "braille": want onehot or string`) ||
		strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
		t.Errorf("eval of a model with labels braille: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(model); err != nil {
		t.Errorf("the refused file is gone: %v", err)
	}
}

// TestMANN15Recipes: recipe mann-15 is Santoro et al.'s 15-class setting
// with string labels (Table 2: 15 classes × 10 instances, batches of 16,
// Adam 1e-3), and mann-15-onehot, the recipe of the earlier run kept in
// ../runs/mann-15-onehot, differs from it in the label code only (so
// `-recipe mann-15-onehot -resume` continues that run, whose settings
// record no label code: one-hot).
func TestMANN15Recipes(t *testing.T) {
	config := func(name string) runConfig {
		r, err := recipeNamed(name)
		if err != nil {
			t.Fatal(err)
		}
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		algoName := fs.String("algo", "", "")
		fs.String("init", "", "")
		addSettingFlags(fs)
		if err := fs.Parse(r.args); err != nil {
			t.Fatal(err)
		}
		c := defaultConfig(*algoName)
		applyFlags(&c, fs)
		return c
	}
	s, o := config("mann-15"), config("mann-15-onehot")
	if s.Algo != "mann" || s.Labels != "string" || s.Way != 15 || s.Shot+s.Query != 10 || s.MetaBatch != 16 || s.LR != 1e-3 {
		t.Errorf("mann-15: %+v", s.Config)
	}
	// The one-hot run's settings record no label code: the recipe's
	// explicit onehot must agree with them, and refuse a string run.
	run := o
	run.Labels = ""
	if o.Labels != "onehot" || configDiff(run, o) != "" || configDiff(s, o) != "-labels onehot" {
		t.Errorf("mann-15-onehot: labels %q; against a run without a code: %q; against mann-15: %q", o.Labels, configDiff(run, o), configDiff(s, o))
	}
	o.Labels = "string"
	if d := configDiff(s, o); d != "" {
		t.Errorf("mann-15 and mann-15-onehot differ beyond the label code: %s", d)
	}
	// mann-15-from5 is mann-15 from the 5-class MANN, validated twice
	// as often.
	r, err := recipeNamed("mann-15-from5")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(r.args, " "), "-init assets/models/mann.safetensors") {
		t.Errorf("mann-15-from5 does not start from the bundled MANN: %v", r.args)
	}
	if d := configDiff(s, config("mann-15-from5")); d != "-val-every 1600" {
		t.Errorf("mann-15-from5 differs from mann-15 in %q, want -val-every 1600 only", d)
	}
}
