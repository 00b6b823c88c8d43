package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"metaglot/core/episode"
	"metaglot/core/omniglot"
)

// TestEvalLakeTask: eval -split lake draws Lake et al.'s task. In each of
// 200 20-way 1-shot episodes of 15 tests per class, every character comes
// unrotated from one evaluation alphabet, every example from one drawer,
// and the tests of each character from 15 other drawers, never the
// example's; the Vinyals protocol's sampler (one drawer per class) fails
// that check. -one-alphabet draws the task from the Vinyals test classes.
func TestEvalLakeTask(t *testing.T) {
	dir, err := omniglotDir(testAssets)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := omniglot.LoadDir(dir, "lake-evaluation")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ds.Split("lake-evaluation")
	if err != nil {
		t.Fatal(err)
	}
	vds, err := omniglot.LoadDir(dir, "vinyals-test")
	if err != nil {
		t.Fatal(err)
	}
	vs, err := vds.Split("vinyals-test")
	if err != nil {
		t.Fatal(err)
	}
	vsampler, err := evalSampler(vds, vs, true, 20, 1, 15, 1)
	if err != nil {
		t.Fatal(err)
	}
	var vep episode.Episode
	for i := range 50 {
		vsampler.SampleInto(&vep)
		if !lakeTask(t, vds, &vep) {
			t.Fatalf("-one-alphabet: episode %d of the Vinyals test classes is not Lake et al.'s task", i)
		}
	}
	for _, protocol := range []string{"lake", "vinyals"} {
		sampler, err := evalSampler(ds, s, protocol == "lake", 20, 1, 15, 1)
		if err != nil {
			t.Fatal(err)
		}
		var ep episode.Episode
		paired := 0
		alphabets := map[string]bool{}
		for range 200 {
			sampler.SampleInto(&ep)
			if lakeTask(t, ds, &ep) {
				paired++
			}
			alphabets[ds.Character(ep.Classes[0].Char).Alphabet] = true
		}
		switch {
		case protocol == "lake" && paired != 200:
			t.Errorf("-split lake: %d of 200 episodes are Lake et al.'s task", paired)
		case protocol == "lake" && len(alphabets) < 15:
			t.Errorf("-split lake: 200 episodes came from only %d of the 20 evaluation alphabets", len(alphabets))
		case protocol == "vinyals" && paired > 0:
			t.Errorf("the check cannot tell: %d of 200 episodes of the Vinyals protocol's sampler pass it", paired)
		}
	}
}

// lakeTask reports whether ep is a task of Lake et al.'s: its characters
// from one evaluation alphabet, the one example of every class by one
// drawer, the tests of every class by distinct drawers other than it.
func lakeTask(t *testing.T, ds *omniglot.Dataset, ep *episode.Episode) bool {
	t.Helper()
	if ep.Shot != 1 {
		t.Fatalf("%d-shot episode", ep.Shot)
	}
	c0 := ds.Character(ep.Classes[0].Char)
	example := ep.Drawers[0]
	for l, c := range ep.Classes {
		info := ds.Character(c.Char)
		if info.Set != "evaluation" {
			t.Fatalf("class %d is %s's %s, of the %s set", l, info.Alphabet, info.Name, info.Set)
		}
		if info.Alphabet != c0.Alphabet || c.Rot != 0 || ep.Drawers[l] != example {
			return false
		}
	}
	for l := range ep.Way {
		seen := map[int]bool{example: true}
		for q := range ep.Query {
			i := ep.Way + l*ep.Query + q
			if ep.Labels[i] != l {
				t.Fatalf("test %d of class %d has label %d", q, l, ep.Labels[i])
			}
			if seen[ep.Drawers[i]] {
				return false
			}
			seen[ep.Drawers[i]] = true
		}
	}
	return true
}

// TestEvalLakeError: on the Lake protocol eval reports the error rate with
// its CI, and on Lake et al.'s 20-way 1-shot task the published error
// rates beside it (JSON and text); the Vinyals protocol has neither.
func TestEvalLakeError(t *testing.T) {
	run := func(args ...string) evalResult {
		t.Helper()
		base := []string{"eval", "-algo", "protonet", "-assets", testAssets, "-shot", "1", "-query", "2", "-episodes", "3", "-json"}
		code, stdout, stderr := runCLI(append(base, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		var r evalResult
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatalf("%v: %v: %s", args, err, stdout)
		}
		return r
	}
	r := run("-split", "lake", "-way", "20")
	if r.Split != "lake" || r.Error == nil || math.Abs(*r.Error-(100-r.Accuracy)) > 1e-9 {
		t.Errorf("lake 20-way 1-shot: split %q, error %v, accuracy %v", r.Split, r.Error, r.Accuracy)
	}
	want := map[string]float64{"Siamese ConvNet (Koch et al. 2015)": 8.0, "people (Lake et al. 2015)": 4.5, "Bayesian Program Learning (Lake et al. 2015)": 3.3}
	if len(r.Published) != len(want) {
		t.Errorf("published %v, want %v", r.Published, want)
	}
	for _, p := range r.Published {
		if want[p.Who] != p.Error {
			t.Errorf("published %s %v, want %v", p.Who, p.Error, want[p.Who])
		}
	}
	if r := run("-split", "lake", "-way", "5"); r.Error == nil || len(r.Published) != 0 {
		t.Errorf("lake 5-way: error %v, published %v (want an error rate, nothing published)", r.Error, r.Published)
	}
	if r := run("-way", "5"); r.Split != "" || r.Error != nil || r.Published != nil {
		t.Errorf("vinyals: split %q, error %v, published %v", r.Split, r.Error, r.Published)
	}
	// -one-alphabet: Lake et al.'s task on the Vinyals test classes; the
	// published figures are for the evaluation alphabets, not these.
	if r := run("-way", "20", "-one-alphabet"); r.Split != "vinyals" || !r.OneAlphabet || r.Error == nil || r.Published != nil {
		t.Errorf("vinyals -one-alphabet: split %q, one alphabet %v, error %v, published %v", r.Split, r.OneAlphabet, r.Error, r.Published)
	}
	code, stdout, stderr := runCLI("eval", "-algo", "protonet", "-split", "lake", "-way", "20", "-shot", "1", "-query", "2", "-episodes", "3", "-assets", testAssets)
	if code != 0 || !strings.Contains(stdout, "; error ") || !strings.Contains(stdout, "Siamese ConvNet (Koch et al. 2015) 8.0%") {
		t.Errorf("text: exit %d: %q %s", code, stdout, stderr)
	}
}
