package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"metaglot/core/algo"
	"metaglot/core/checkpoint"
	"metaglot/core/episode/lakeruns"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/omniglot"
	"metaglot/core/train"
)

// TestEvalLakeRuns: eval -split lake -lake-runs measures the bundled
// background model on Lake et al.'s 20 runs: one query per class, 20
// episodes, the published figures beside it, and the accuracy the mean of
// the runs' accuracies computed here from package lakeruns (each a
// multiple of 1/20: 400 tests in all). Other tasks are refused; -episodes,
// -query and -seed (make evaltable passes them to every cell) do not
// apply, which a note on stderr says, and change nothing.
func TestEvalLakeRuns(t *testing.T) {
	code, stdout, stderr := runCLI("eval", "-algo", "protonet", "-split", "lake", "-way", "20", "-shot", "1", "-lake-runs", "-assets", testAssets, "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r evalResult
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if !r.LakeRuns || r.Episodes != 20 || r.Query != 1 || r.Split != "lake" || r.Error == nil || len(r.Published) != 3 {
		t.Fatalf("result %+v", r)
	}
	if k := r.Accuracy * 4; math.Abs(k-math.Round(k)) > 1e-6 {
		t.Errorf("accuracy %v%% is not a whole number of the 400 tests", r.Accuracy)
	}

	params, meta, err := checkpoint.Read(filepath.Join(testAssets, "models", "protonet-background.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := modelfile.Decode(meta)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := algo.Lookup(m.Config.Algo)
	if err != nil {
		t.Fatal(err)
	}
	l, err := spec.New(m.Config, params, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := omniglotDir(testAssets)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := omniglot.LoadDir(dir, "lake-evaluation")
	if err != nil {
		t.Fatal(err)
	}
	var accs []float64
	for _, run := range lakeruns.Runs() {
		ep, err := run.Episode(ds)
		if err != nil {
			t.Fatal(err)
		}
		a, err := learner.Accuracy(l, train.TaskOf(ep))
		if err != nil {
			t.Fatal(err)
		}
		accs = append(accs, a)
	}
	mean, ci := learner.MeanCI95(accs)
	if math.Abs(100*mean-r.Accuracy) > 1e-9 || math.Abs(100*ci-r.CI95) > 1e-9 {
		t.Errorf("eval says %.4f ± %.4f %%, the runs %.4f ± %.4f %%", r.Accuracy, r.CI95, 100*mean, 100*ci)
	}

	code, stdout2, stderr := runCLI("eval", "-algo", "protonet", "-split", "lake", "-way", "20", "-shot", "1", "-lake-runs", "-assets", testAssets, "-json",
		"-episodes", "7", "-query", "15", "-seed", "3")
	if code != 0 || stdout2 != stdout || !strings.Contains(stderr, "-episodes, -query and -seed do not apply") {
		t.Errorf("with -episodes 7 -query 15 -seed 3: exit %d, output changed %v, stderr %q", code, stdout2 != stdout, stderr)
	}
	for _, args := range [][]string{
		{"-split", "vinyals", "-way", "20"},
		{"-split", "lake", "-way", "5"},
		{"-split", "lake", "-way", "20", "-shot", "5"},
		{"-split", "lake", "-way", "20", "-classes", "train"},
	} {
		code, _, stderr := runCLI(append([]string{"eval", "-algo", "protonet", "-assets", testAssets, "-lake-runs"}, args...)...)
		if code == 0 || !strings.Contains(stderr, "-lake-runs") {
			t.Errorf("%v: exit %d, %q (want a usage error naming -lake-runs)", args, code, stderr)
		}
	}
}
