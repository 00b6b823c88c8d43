package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// tinyMANN trains a 5-way MANN for two episodes and returns its model file.
func tinyMANN(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "mann")
	if code, _, stderr := runCLI("train", "-algo", "mann", "-way", "5", "-shot", "1", "-query", "1", "-meta-batch", "1",
		"-episodes", "2", "-assets", testAssets, "-threads", "1", "-progress=false", "-out", out); code != 0 {
		t.Fatal(stderr)
	}
	return filepath.Join(out, modelFile)
}

func TestEvalInstances(t *testing.T) {
	model := tinyMANN(t)
	args := []string{"eval", "-model", model, "-assets", testAssets, "-protocol", "instances", "-instances", "4", "-episodes", "3", "-threads", "1"}
	code, stdout, stderr := runCLI(append(args, "-json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r instancesResult
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || strings.Count(stdout, "\n") != 1 {
		t.Fatalf("want one JSON line: %v: %q", err, stdout)
	}
	if r.Algo != "mann" || r.Way != 5 || r.Instances != 4 || r.Episodes != 3 || r.Protocol != "instances" || len(r.Cells) != 4 {
		t.Fatalf("JSON %s", stdout)
	}
	for i, c := range r.Cells {
		// 3 episodes of 5 images at each presentation: multiples of 100/15 %.
		if c.Instance != i+1 || c.Accuracy < 0 || c.Accuracy > 100 || c.CI95 < 0 || !nearMultiple(c.Accuracy, 100.0/15) {
			t.Errorf("cell %d: %+v", i, c)
		}
	}
	// The same seed gives the same episodes and orders; another seed others.
	if _, again, _ := runCLI(append(args, "-json")...); again != stdout {
		t.Errorf("same seed, different result: %s vs %s", stdout, again)
	}
	if _, other, _ := runCLI(append(args, "-json", "-seed", "2", "-episodes", "20")...); other == stdout {
		t.Errorf("-seed 2 gave seed 1's result")
	}
	// The text: the paper's presentations that exist (1st to 4th here).
	code, text, stderr := runCLI(args...)
	if code != 0 || !strings.Contains(text, "mann 5-way, 4 instances per class, 3 episodes") ||
		!strings.Contains(text, "instance  4:") || strings.Contains(text, "instance 10:") {
		t.Errorf("text: exit %d: %s %s", code, text, stderr)
	}
	code, text, _ = runCLI("eval", "-model", model, "-assets", testAssets, "-protocol", "instances", "-episodes", "2", "-way", "3")
	if code != 0 || !strings.Contains(text, "mann 3-way, 10 instances per class") || !strings.Contains(text, "instance 10:") {
		t.Errorf("3-way, 10 instances: exit %d: %s", code, text)
	}
	// A MANN also takes the standard cells: the support set as the sequence, then each query.
	code, text, stderr = runCLI("eval", "-model", model, "-assets", testAssets, "-way", "5", "-shot", "1", "-query", "2", "-episodes", "2")
	if code != 0 || !strings.Contains(text, "mann 5-way 1-shot") {
		t.Errorf("-protocol one: exit %d: %s %s", code, text, stderr)
	}
}

func nearMultiple(x, unit float64) bool {
	n := x / unit
	d := n - float64(int(n+0.5))
	return d < 1e-9 && d > -1e-9
}

func TestEvalInstancesErrors(t *testing.T) {
	model := tinyMANN(t)
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-model", bundledProtoNet, "-protocol", "instances"}, "protonet does not read a task as one sequence"},
		{[]string{"-algo", "fomaml", "-protocol", "instances"}, "fomaml does not read a task as one sequence"},
		{[]string{"-model", model, "-protocol", "instances", "-instances", "0"}, "-instances 0"},
		{[]string{"-model", model, "-protocol", "instances", "-instances", "21"}, "-instances 21"},
		{[]string{"-model", model, "-protocol", "instances", "-way", "6"}, "-way 6: the mann model's output layer has 5 classes"},
		{[]string{"-model", model, "-way", "20"}, "-way 20: the mann model's output layer has 5 classes"},
		{[]string{"-model", model, "-protocol", "transductive"}, "-protocol transductive"},
		{[]string{"-model", model, "-protocol", "instance"}, `-protocol "instance": unknown protocol`},
	} {
		code, _, stderr := runCLI(append([]string{"eval", "-assets", testAssets, "-episodes", "1"}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.msg) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line mentioning %q", tc.args, code, stderr, tc.msg)
		}
	}
}
