package app

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"metaglot/core/omniglot"
	"metaglot/core/preprocess"
	"metaglot/wasm/classes"
)

// TryPlan is the choice behind "Try Omniglot": an alphabet of the held-out
// test split and N of its characters.
type TryPlan struct {
	Alphabet string
	File     string // its sprite sheet, relative to index.json
	Chars    []omniglot.Character
}

// PlanTry picks, with rng, an alphabet that has at least n characters in
// the Vinyals test split, and n of those characters.
func PlanTry(ix *omniglot.Index, n int, rng *rand.Rand) (TryPlan, error) {
	if n < 1 || n > classes.MaxClasses {
		return TryPlan{}, fmt.Errorf("try Omniglot with 1 to %d classes, not %d", classes.MaxClasses, n)
	}
	var fits []int
	for a, al := range ix.Alphabets {
		if len(testChars(al)) >= n {
			fits = append(fits, a)
		}
	}
	if len(fits) == 0 {
		return TryPlan{}, fmt.Errorf("no alphabet has %d test characters", n)
	}
	al := ix.Alphabets[fits[rng.IntN(len(fits))]]
	chars := testChars(al)
	rng.Shuffle(len(chars), func(i, j int) { chars[i], chars[j] = chars[j], chars[i] })
	return TryPlan{Alphabet: al.Name, File: al.File, Chars: chars[:n]}, nil
}

func testChars(al omniglot.Alphabet) []omniglot.Character {
	var out []omniglot.Character
	for _, c := range al.Characters {
		if c.Vinyals == "test" {
			out = append(out, c)
		}
	}
	return out
}

// Try replaces the classes with the plan's characters, k real drawings
// each (drawers chosen with rng), and keeps one further drawing of each as
// a held-out query. ds must have the plan's alphabet loaded. The classes
// the user drew are replaced, so the page saves them first (they stay in
// storage until the next change; export them to keep them).
func (s *State) Try(ds *omniglot.Dataset, plan TryPlan, k int, rng *rand.Rand) error {
	if k < 1 || k >= omniglot.Drawers {
		return fmt.Errorf("try Omniglot with 1 to %d examples, not %d", omniglot.Drawers-1, k)
	}
	if !ds.Loaded(plan.Alphabet) {
		return errors.New("the alphabet " + plan.Alphabet + " is not loaded")
	}
	ids := map[int]int{}
	for c := range ds.NumCharacters() {
		ids[ds.Character(c).ID] = c
	}
	l := &classes.List{}
	var held []HeldOut
	for _, ch := range plan.Chars {
		c, ok := ids[ch.ID]
		if !ok {
			return fmt.Errorf("character %d of %s is not in the data set", ch.ID, plan.Alphabet)
		}
		name := strings.ReplaceAll(plan.Alphabet, "_", " ") + " " + strings.TrimPrefix(ch.Name, "character")
		i, err := l.Add(name)
		if err != nil {
			return err
		}
		drawers := rng.Perm(omniglot.Drawers)
		for _, dr := range drawers[:k] {
			img := make([]float32, preprocess.Size*preprocess.Size)
			ds.WriteImage(img, c, dr, 0)
			if err := l.AddExample(i, classes.Example{Image: img}); err != nil {
				return err
			}
		}
		img := make([]float32, preprocess.Size*preprocess.Size)
		ds.WriteImage(img, c, drawers[k], 0)
		held = append(held, HeldOut{Class: i, Label: fmt.Sprintf("%s, drawer %d", name, drawers[k]+1), Image: img})
	}
	s.replace(l)
	s.Omniglot = held
	each := "1 real drawing"
	if k > 1 {
		each = fmt.Sprintf("%d real drawings", k)
	}
	s.Message = fmt.Sprintf("Loaded %d characters of %s (held-out test alphabet), %s each. Draw one of them on the query pad, or pick a real drawing below it.", len(plan.Chars), strings.ReplaceAll(plan.Alphabet, "_", " "), each)
	return nil
}
