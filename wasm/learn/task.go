package learn

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"metaglot/core/omniglot"
	"metaglot/core/preprocess"
)

// Limits of a task's size in the Learn view: the page holds at most 20
// classes of at most 20 examples (wasm/classes).
const (
	MinWay, MaxWay   = 2, 20
	MinShot, MaxShot = 1, 19
)

// Source is what a task is made from: named classes, each a list of
// 28×28 images (the visitor's classes, in their order), and the visitor's
// own query, nil when the query pad is empty.
type Source struct {
	Names  []string
	Images [][][]float32
	Query  []float32
}

// Task is an N-way K-shot episode: K labelled support images of each of N
// classes, and queries to label.
type Task struct {
	Way, Shot int
	// Classes are the indices into the Source of the task's classes (nil
	// for an Omniglot task), Names their names.
	Classes []int
	Names   []string
	// Support holds Way × Shot images, class by class.
	Support [][][]float32
	// Queries are the images to label; QueryLabels their class in the task,
	// −1 for the visitor's own query (whose class nobody told us).
	Queries     [][]float32
	QueryLabels []int
}

// CheckSize refuses an N or K outside the Learn view's limits with a
// message naming the field.
func CheckSize(way, shot int) error {
	if way < MinWay || way > MaxWay {
		return fmt.Errorf("N (classes) %d: want %d to %d", way, MinWay, MaxWay)
	}
	if shot < MinShot || shot > MaxShot {
		return fmt.Errorf("K (examples per class) %d: want %d to %d", shot, MinShot, MaxShot)
	}
	return nil
}

// NewTask makes the N-way K-shot task of the visitor's classes: the first
// N classes that have at least K examples, their first K examples as the
// support set; the queries are the visitor's query (if drawn), then the
// next example of each class that has one more (its label known). It
// says in plain words what is missing when the classes cannot make such
// a task.
func NewTask(src Source, way, shot int) (Task, error) {
	if err := CheckSize(way, shot); err != nil {
		return Task{}, err
	}
	t := Task{Way: way, Shot: shot}
	for c, imgs := range src.Images {
		if len(t.Classes) < way && len(imgs) >= shot {
			t.Classes = append(t.Classes, c)
		}
	}
	if len(t.Classes) < way {
		have := "no class has"
		switch n := len(t.Classes); {
		case n == 1:
			have = "only 1 class has"
		case n > 1:
			have = fmt.Sprintf("only %d classes have", n)
		}
		return Task{}, fmt.Errorf("a %d-way %d-shot task needs %d classes with at least %d %s each, and %s that many: add examples in Draw & classify, try Omniglot, or lower N or K",
			way, shot, way, shot, plural(shot, "example"), have)
	}
	if src.Query != nil {
		t.Queries = append(t.Queries, src.Query)
		t.QueryLabels = append(t.QueryLabels, -1)
	}
	for k, c := range t.Classes {
		t.Names = append(t.Names, src.Names[c])
		t.Support = append(t.Support, src.Images[c][:shot])
		if len(src.Images[c]) > shot {
			t.Queries = append(t.Queries, src.Images[c][shot])
			t.QueryLabels = append(t.QueryLabels, k)
		}
	}
	return t, nil
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// Query returns the task's query the views classify: the visitor's own if
// drawn, else the first labelled one, and its label (−1: unknown); ok is
// false when the task has no query.
func (t Task) Query() (img []float32, label int, ok bool) {
	if len(t.Queries) == 0 {
		return nil, 0, false
	}
	return t.Queries[0], t.QueryLabels[0], true
}

// SplitSizes counts the characters of each side of the Vinyals et al.
// split in the Omniglot index: training (its "train" and "val" characters,
// which meta-training draws from) and test (held out for meta-testing).
func SplitSizes(ix *omniglot.Index) (train, test int) {
	for _, a := range ix.Alphabets {
		for _, c := range a.Characters {
			switch c.Vinyals {
			case "train", "val":
				train++
			case "test":
				test++
			}
		}
	}
	return train, test
}

// SplitAlphabets picks with rng one alphabet all of whose characters are
// on the training side of the split and one all of whose characters are
// test characters, each with at least minChars characters.
func SplitAlphabets(ix *omniglot.Index, minChars int, rng *rand.Rand) (train, test omniglot.Alphabet, err error) {
	var trains, tests []omniglot.Alphabet
	for _, a := range ix.Alphabets {
		side := ""
		for _, c := range a.Characters {
			s := "train"
			if c.Vinyals == "test" {
				s = "test"
			}
			if side != "" && side != s {
				side = "mixed"
				break
			}
			side = s
		}
		if len(a.Characters) < minChars {
			continue
		}
		switch side {
		case "train":
			trains = append(trains, a)
		case "test":
			tests = append(tests, a)
		}
	}
	if len(trains) == 0 || len(tests) == 0 {
		return train, test, fmt.Errorf("the Omniglot index has no training and test alphabets of %d characters", minChars)
	}
	return trains[rng.IntN(len(trains))], tests[rng.IntN(len(tests))], nil
}

// SampleOmniglot samples an N-way K-shot task with q queries per class
// from the characters of one loaded alphabet of ds: N characters, then
// K+q of the 20 drawers of each (class selection and image selection are
// two separate steps). Names are "Alphabet character".
func SampleOmniglot(ds *omniglot.Dataset, alphabet string, way, shot, q int, rng *rand.Rand) (Task, error) {
	if err := CheckSize(way, shot); err != nil {
		return Task{}, err
	}
	if !ds.Loaded(alphabet) {
		return Task{}, fmt.Errorf("the alphabet %s is not loaded", alphabet)
	}
	var chars []int
	for c := range ds.NumCharacters() {
		if ds.Character(c).Alphabet == alphabet {
			chars = append(chars, c)
		}
	}
	if len(chars) < way {
		return Task{}, fmt.Errorf("%s has %d characters, fewer than N = %d", alphabet, len(chars), way)
	}
	drawers := ds.ItemsPerClass()
	if shot+q > drawers {
		return Task{}, fmt.Errorf("K + queries = %d: Omniglot has %d drawings of each character", shot+q, drawers)
	}
	perm := rng.Perm(len(chars))[:way]
	slices.Sort(perm)
	t := Task{Way: way, Shot: shot}
	pretty := strings.ReplaceAll(alphabet, "_", " ")
	for k, p := range perm {
		c := chars[p]
		t.Names = append(t.Names, pretty+" "+strings.TrimPrefix(ds.Character(c).Name, "character"))
		dr := rng.Perm(drawers)[:shot+q]
		var sup [][]float32
		for i, d := range dr {
			img := make([]float32, preprocess.Size*preprocess.Size)
			ds.WriteImage(img, c, d, 0)
			if i < shot {
				sup = append(sup, img)
			} else {
				t.Queries = append(t.Queries, img)
				t.QueryLabels = append(t.QueryLabels, k)
			}
		}
		t.Support = append(t.Support, sup)
	}
	return t, nil
}
