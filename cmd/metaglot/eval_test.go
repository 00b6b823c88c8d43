package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestEvalFewEpisodes(t *testing.T) {
	code, stdout, stderr := runCLI("eval", "-algo", "protonet", "-model", bundledProtoNet, "-assets", testAssets,
		"-way", "5", "-shot", "1", "-query", "3", "-episodes", "4", "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	for _, k := range []string{"algo", "way", "shot", "query", "episodes", "accuracy", "ci95"} {
		if _, ok := r[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, stdout)
		}
	}
	if r["algo"] != "protonet" || r["way"] != 5.0 || r["episodes"] != 4.0 {
		t.Errorf("JSON %s", stdout)
	}
	// 4 episodes of 15 queries: accuracy is a multiple of 100/60 %.
	acc := r["accuracy"].(float64)
	if acc < 0 || acc > 100 || r["ci95"].(float64) < 0 {
		t.Errorf("accuracy %v ± %v", acc, r["ci95"])
	}
	// The same seed gives the same episodes and the same figures.
	_, again, _ := runCLI("eval", "-algo", "protonet", "-model", bundledProtoNet, "-assets", testAssets,
		"-way", "5", "-shot", "1", "-query", "3", "-episodes", "4", "-json")
	if again != stdout {
		t.Errorf("same seed, different result: %s vs %s", stdout, again)
	}
	// -classes train: episodes from the training classes, other figures.
	hard := []string{"eval", "-model", bundledProtoNet, "-assets", testAssets, "-way", "20", "-shot", "1", "-query", "5", "-episodes", "4", "-json"}
	_, test, _ := runCLI(hard...)
	code, train, stderr := runCLI(append(hard, "-classes", "train")...)
	if code != 0 || train == test || !strings.Contains(train, `"accuracy"`) {
		t.Errorf("-classes train: exit %d: %s %s (test classes: %s)", code, train, stderr, test)
	}
	// Lake protocol: episodes within one evaluation alphabet.
	code, stdout, stderr = runCLI("eval", "-model", bundledProtoNet, "-assets", testAssets, "-split", "lake",
		"-way", "20", "-shot", "1", "-query", "1", "-episodes", "2")
	if code != 0 || !strings.Contains(stdout, "20-way 1-shot") {
		t.Errorf("lake: exit %d: %s %s", code, stdout, stderr)
	}
}

func TestEvalErrors(t *testing.T) {
	dir := t.TempDir()
	// A 5-way FOMAML model, for the head check.
	fo := filepath.Join(dir, "fomaml")
	if code, _, stderr := runCLI("train", "-algo", "fomaml", "-way", "5", "-shot", "1", "-query", "1", "-meta-batch", "1",
		"-episodes", "1", "-assets", testAssets, "-threads", "1", "-progress=false", "-out", fo); code != 0 {
		t.Fatal(stderr)
	}
	foModel := filepath.Join(fo, modelFile)
	m := []string{"-model", bundledProtoNet, "-assets", testAssets, "-episodes", "1"}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-h"}, 0, ""},
		{append([]string{"-way", "1"}, m...), 2, "-way 1"},
		{append([]string{"-split", "omniglot"}, m...), 2, "-split"},
		{append([]string{"-classes", "val"}, m...), 2, "-classes \"val\""},
		{append([]string{"-shot", "10", "-query", "15"}, m...), 2, "shot+query"},
		{append([]string{"-way", "2000"}, m...), 2, "2000"},
		{append([]string{"-protocol", "batch"}, m...), 2, "unknown protocol"},
		{append([]string{"-protocol", "transductive"}, m...), 2, "running statistics"},
		{[]string{"-episodes", "1"}, 2, "-algo or -model is required"},
		{[]string{"-model", filepath.Join(dir, "nope.safetensors")}, 1, "nope.safetensors"},
		{[]string{"-model", filepath.Join(fo, metricsFile)}, 1, metricsFile},
		{[]string{"-model", foModel, "-way", "20", "-assets", testAssets, "-episodes", "1"}, 2, "head has 5 classes"},
		{[]string{"-model", foModel, "-algo", "reptile", "-assets", testAssets}, 2, "holds a fomaml model"},
	} {
		code, _, stderr := runCLI(append([]string{"eval"}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) || (code != 0 && strings.Count(strings.TrimSpace(stderr), "\n") > 0) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line mentioning %q", tc.args, code, stderr, tc.code, tc.msg)
		}
	}
	// The FOMAML model adapts a prototype head for any number of classes.
	code, stdout, stderr := runCLI("eval", "-model", foModel, "-proto-head", "-way", "20", "-shot", "1", "-query", "1",
		"-episodes", "1", "-adapt-steps", "1", "-assets", testAssets)
	if code != 0 || !strings.Contains(stdout, "fomaml 20-way") {
		t.Errorf("fomaml -proto-head: exit %d: %s %s", code, stdout, stderr)
	}
}

// eval spreads its episodes over one learner per thread: the figures are
// the same for any -threads, for a learner that adapts by inner steps and
// for one that does not, and for a count of episodes the threads do not
// divide.
func TestEvalAnyThreads(t *testing.T) {
	for _, model := range []string{bundledProtoNet, testAssets + "/models/reptile.safetensors", testAssets + "/models/mann.safetensors"} {
		args := []string{"eval", "-model", model, "-assets", testAssets, "-way", "5", "-shot", "1", "-query", "2", "-episodes", "5", "-json", "-progress=false"}
		if strings.Contains(model, "reptile") {
			args = append(args, "-adapt-steps", "3")
		}
		var want string
		for _, th := range []string{"1", "2", "4"} {
			code, stdout, stderr := runCLI(append(args, "-threads", th)...)
			if code != 0 {
				t.Fatalf("%s -threads %s: exit %d: %s", model, th, code, stderr)
			}
			if th == "1" {
				want = stdout
				t.Logf("%s: %s", filepath.Base(model), stdout)
			} else if stdout != want {
				t.Errorf("%s -threads %s: %s, want %s (-threads 1)", model, th, stdout, want)
			}
		}
	}
}
