package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// -inner-params is a setting of a FOMAML or Reptile run: recorded in its
// model file, and a resume that changes it (either way) is refused; it
// does not apply to ProtoNet.
func TestTrainInnerParams(t *testing.T) {
	dir := t.TempDir()
	fomaml := func(out string, extra ...string) []string {
		args := []string{"train", "-algo", "fomaml", "-way", "5", "-shot", "1", "-query", "1", "-meta-batch", "2",
			"-inner-lr", "0.4", "-adapt-steps", "1", "-checkpoint-every", "2",
			"-assets", testAssets, "-threads", "1", "-progress=false", "-out", out}
		return append(args, extra...)
	}
	for _, tc := range []struct {
		start, resume []string
		want          string // the run's recorded inner_params
	}{
		{[]string{"-inner-params", "no-bn"}, []string{"-inner-params", "all"}, "no-bn"},
		{nil, []string{"-inner-params", "no-bn"}, ""},
	} {
		out := filepath.Join(dir, strings.Join(append([]string{"run"}, tc.start...), ""))
		if code, _, stderr := runCLI(fomaml(out, append([]string{"-episodes", "2"}, tc.start...)...)...); code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.start, code, stderr)
		}
		_, _, m, err := loadModel(filepath.Join(out, modelFile))
		if err != nil {
			t.Fatal(err)
		}
		if m.Config.InnerParams != tc.want {
			t.Errorf("%v: the model records inner_params %q, want %q", tc.start, m.Config.InnerParams, tc.want)
		}
		code, _, stderr := runCLI(fomaml(out, append([]string{"-resume", "-episodes", "4"}, tc.resume...)...)...)
		if code != 2 || !strings.Contains(stderr, "-inner-params") || !strings.Contains(stderr, "differs from the run") {
			t.Errorf("resume %v of a run started with %v: exit %d, stderr %q", tc.resume, tc.start, code, stderr)
		}
		if code, _, stderr := runCLI(fomaml(out, append([]string{"-resume", "-episodes", "4"}, tc.start...)...)...); code != 0 {
			t.Errorf("resume %v: exit %d: %s", tc.start, code, stderr)
		}
	}
	code, _, stderr := runCLI(tinyTrain(filepath.Join(dir, "protonet"), "-episodes", "1", "-inner-params", "no-bn")...)
	if code != 2 || !strings.Contains(stderr, "-inner-params") {
		t.Errorf("protonet with -inner-params: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCLI(fomaml(filepath.Join(dir, "bad"), "-episodes", "2", "-inner-params", "some")...)
	if code != 2 || !strings.Contains(stderr, "-inner-params") {
		t.Errorf("-inner-params some: exit %d, stderr %q", code, stderr)
	}
}
