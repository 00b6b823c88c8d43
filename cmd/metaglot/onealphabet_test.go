package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// -one-alphabet is a setting of the run: recorded in its files, and a
// resume that changes it (either way) is refused, as for other settings.
func TestTrainOneAlphabetResume(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		start, resume []string
		want          bool // the run's recorded one_alphabet
	}{
		{[]string{"-one-alphabet"}, []string{"-one-alphabet=false"}, true},
		{nil, []string{"-one-alphabet"}, false},
	} {
		out := filepath.Join(dir, strings.Join(append([]string{"run"}, tc.start...), ""))
		if code, _, stderr := runCLI(tinyTrain(out, append([]string{"-episodes", "1", "-checkpoint-every", "1"}, tc.start...)...)...); code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.start, code, stderr)
		}
		_, _, m, err := loadModel(filepath.Join(out, modelFile))
		if err != nil {
			t.Fatal(err)
		}
		if m.Config.OneAlphabet != tc.want {
			t.Errorf("%v: the model records one_alphabet %v", tc.start, m.Config.OneAlphabet)
		}
		code, _, stderr := runCLI(tinyTrain(out, append([]string{"-resume", "-episodes", "2"}, tc.resume...)...)...)
		if code != 2 || !strings.Contains(stderr, "-one-alphabet") || !strings.Contains(stderr, "differs from the run") {
			t.Errorf("resume %v of a run started with %v: exit %d, stderr %q", tc.resume, tc.start, code, stderr)
		}
		// The same setting resumes.
		if code, _, stderr := runCLI(tinyTrain(out, append([]string{"-resume", "-episodes", "2"}, tc.start...)...)...); code != 0 {
			t.Errorf("resume %v: exit %d: %s", tc.start, code, stderr)
		}
	}
}
