// Package lakeruns holds the 20 runs of Lake et al.'s one-shot
// classification task (Lake, Salakhutdinov and Tenenbaum 2015, "Human-level
// concept learning through probabilistic program induction", Science
// 350(6266):1332–1338), the fixed test set behind the published error rates
// on that task: people 4.5 %, Bayesian Program Learning 3.3 %, Koch et al.'s
// Siamese ConvNet 8.0 %, the modified Hausdorff distance baseline 38.8 %.
//
// Each run is 20-way 1-shot within one alphabet of the 20 evaluation
// alphabets: one drawer's drawings of 20 characters are the examples (the
// "training" images, one per class), and one other drawer's drawings of the
// same 20 characters are the tests. Ten alphabets are used, two runs each,
// both runs of an alphabet on the same 20 characters; every drawer is one of
// the first eight (_01 to _08). The error rate is the mean of the runs'
// (400 tests in all).
//
// The runs come from the one-shot-classification folder of
// github.com/brendenlake/omniglot (all_runs.zip, MIT licence), whose
// images are renamed; which original image each one is was established by
// github.com/jvlmdr/omniglot-eval (lake-evaluation/run_images.txt, by image
// content). runs.txt keeps only what the error rate depends on: alphabet,
// characters, example drawer and test drawer. The rebuilt runs give Lake's
// baseline its published figure (bench/lake_runs_mhd.py: the modified
// Hausdorff distance on the original 105×105 images, 38.8 %), so they are
// the same task.
//
// The images are those of metaglot's Omniglot assets (assets/omniglot,
// 28×28): drawer _DD is column DD−1 of an alphabet's sheet, as of the
// shared npz. Nothing besides runs.txt is needed.
package lakeruns

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"

	"metaglot/core/episode"
	"metaglot/core/omniglot"
)

//go:embed runs.txt
var runsText string

// Run is one of Lake et al.'s runs: 20 characters of Alphabet (names such
// as "character07", in the order of the run's class01..class20), the drawer
// of their examples and the drawer of their tests (0-based: the original
// file name's _DD suffix minus 1).
type Run struct {
	Name       string // "run01" … "run20"
	Alphabet   string // as in omniglot.CharacterInfo.Alphabet
	Characters []string
	Train      int
	Test       int
}

// Runs returns the 20 runs, in order (a fresh copy).
func Runs() []Run {
	rs, err := parse(runsText)
	if err != nil {
		panic(err) // runs.txt is embedded; TestRuns parses it
	}
	return rs
}

// parse reads runs.txt: "#" comment lines, then one line per run: name,
// alphabet, example drawer, test drawer (01..20) and 20 character numbers.
func parse(text string) ([]Run, error) {
	var runs []Run
	for i, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) != 24 {
			return nil, fmt.Errorf("lakeruns: runs.txt line %d has %d fields, want 24 (run, alphabet, two drawers, 20 characters)", i+1, len(f))
		}
		r := Run{Name: f[0], Alphabet: f[1]}
		var err error
		if r.Train, err = drawer(f[2]); err == nil {
			r.Test, err = drawer(f[3])
		}
		if err != nil {
			return nil, fmt.Errorf("lakeruns: runs.txt line %d: %w", i+1, err)
		}
		if r.Train == r.Test {
			return nil, fmt.Errorf("lakeruns: runs.txt line %d: examples and tests by the same drawer", i+1)
		}
		for _, n := range f[4:] {
			if k, err := strconv.Atoi(n); err != nil || k < 1 || len(n) != 2 {
				return nil, fmt.Errorf("lakeruns: runs.txt line %d: character %q, want 01..99", i+1, n)
			}
			r.Characters = append(r.Characters, "character"+n)
		}
		runs = append(runs, r)
	}
	return runs, nil
}

func drawer(s string) (int, error) {
	d, err := strconv.Atoi(s)
	if err != nil || d < 1 || d > omniglot.Drawers {
		return 0, fmt.Errorf("drawer %q, want 01..%02d", s, omniglot.Drawers)
	}
	return d - 1, nil
}

// Classes returns the dataset classes of r's characters, in class order
// (unrotated). It returns an error naming a character ds does not have.
func (r Run) Classes(ds *omniglot.Dataset) ([]episode.Class, error) {
	want := make(map[string]int, len(r.Characters))
	for l, n := range r.Characters {
		want[n] = l
	}
	classes := make([]episode.Class, len(r.Characters))
	found := 0
	for c := range ds.NumCharacters() {
		ci := ds.Character(c)
		if l, ok := want[ci.Name]; ok && ci.Alphabet == r.Alphabet {
			classes[l] = episode.Class{Char: c}
			found++
		}
	}
	if found != len(r.Characters) {
		return nil, fmt.Errorf("lakeruns: %s: %d of the %d characters of %s are not in the data set", r.Name, len(r.Characters)-found, len(r.Characters), r.Alphabet)
	}
	return classes, nil
}

// Episode returns r as a 20-way 1-shot episode with one query per class:
// class l's example is its character by drawer r.Train, its query the same
// character by drawer r.Test. ds must have r's alphabet loaded.
func (r Run) Episode(ds *omniglot.Dataset) (*episode.Episode, error) {
	classes, err := r.Classes(ds)
	if err != nil {
		return nil, err
	}
	sup := make([][]int, len(classes))
	qry := make([][]int, len(classes))
	for l := range classes {
		sup[l], qry[l] = []int{r.Train}, []int{r.Test}
	}
	ep, err := episode.Fixed(ds, classes, sup, qry)
	if err != nil {
		return nil, fmt.Errorf("lakeruns: %s: %w", r.Name, err)
	}
	return ep, nil
}
