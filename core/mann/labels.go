package mann

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Labels is how a MANN codes the label of a class: in its input (the
// previous step's label) and in its output (the answer for the current
// image).
//
// OneHot, the default, gives each of an episode's classes one of the
// network's Classes output units: the input is a one-hot vector of
// Classes units and the output a softmax over the task's way of them.
//
// String is the code of Santoro et al.'s 15-class experiments ("Meta-
// Learning with Memory-Augmented Neural Networks", ICML 2016, Table 2):
// each class of an episode gets a label that is a string of
// StringChars = 5 characters over an alphabet of StringLetters = 5 letters,
// drawn at random for the episode among the 5⁵ = 3125 strings, distinct
// within it. The input is the five characters as five concatenated one-hot
// 5-vectors (25 units), the output five independent 5-way softmaxes (25
// units), and the loss the sum of the five cross-entropies (5·ln 5 ≈ 8.05
// for uniform guesses). A prediction is right only when all five
// characters are.
//
// Why it matters: with one-hot labels the network can see which labels an
// episode has used so far, and a class it has not seen yet must have one
// of the others. The first presentation of a class, which should be a
// blind guess, then is right with probability 1/(C − k) after k classes
// were shown (on average H(15)/15 ≈ 22 % in episodes of 15 classes, not
// 1/15), so Acc(1) measures label bookkeeping, not learning. With strings
// drawn from 3125 the first guess is right about once in 3125 times, which
// is why the paper's 15-class Acc(1) is 0.1 % (Table 2: MANN (LRUA) 0.1,
// 62.6, 79.3, 86.6, 88.7, 95.3 % at the 1st–5th and 10th presentation).
// The output layer also stays 25 units wide whatever the number of
// classes, so one network answers episodes of any way up to 3125.
type Labels int

const (
	OneHot Labels = iota // one output unit per class (the default, the page's)
	String               // five characters of five letters (Santoro et al.'s Table 2)
)

// The string code's sizes.
const (
	StringChars   = 5    // characters of a label
	StringLetters = 5    // letters of the alphabet of a character
	StringLabels  = 3125 // StringLetters^StringChars distinct labels
	stringWidth   = StringChars * StringLetters
)

// labelNames are the names of the label codes, in Labels order: the
// values of the "labels" setting (modelfile.Config.Labels, `metaglot train
// -labels`).
var labelNames = [...]string{OneHot: "onehot", String: "string"}

// String returns the code's name: "onehot" or "string".
func (l Labels) String() string { return nameOf(labelNames[:], int(l), "Labels") }

// ParseLabels returns the label code called s ("" means onehot: files
// written before the setting existed). Any other name is an error saying
// which ones exist.
func ParseLabels(s string) (Labels, error) {
	i, err := parseName(labelNames[:], s, "label code")
	return Labels(i), err
}

// nameOf returns names[i], or type(i) for an i out of range.
func nameOf(names []string, i int, typ string) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("%s(%d)", typ, i)
}

// parseName returns the index of s in names, 0 for "" (files written
// before a choice existed mean the first), or an error naming what (a
// "label code") and the names there are.
func parseName(names []string, s, what string) (int, error) {
	if s == "" {
		return 0, nil
	}
	for i, n := range names {
		if s == n {
			return i, nil
		}
	}
	return 0, fmt.Errorf("mann: %s %q unknown (want %s)", what, s, strings.Join(names, " or "))
}

// width returns the units a label takes in the input and the output: C
// for one-hot, 25 for strings.
func (l Labels) width(classes int) int {
	if l == String {
		return stringWidth
	}
	return classes
}

// pow5[i] is StringLetters^i.
var pow5 = [StringChars]int{1, 5, 25, 125, 625}

// stringChar returns character i (0 the first) of the string label with
// index code in [0, 3125): its base-5 digits, the most significant first.
func stringChar(code, i int) int { return code / pow5[StringChars-1-i] % StringLetters }

// drawCodes fills codes with distinct string labels drawn uniformly from
// the 3125 by rng (one per class of an episode). It allocates nothing.
func drawCodes(codes []int, rng *rand.Rand) {
	for i := range codes {
		c := rng.IntN(StringLabels)
		for slices.Contains(codes[:i], c) {
			c = rng.IntN(StringLabels)
		}
		codes[i] = c
	}
}

// setLabel writes the input code of label y (a class for one-hot, a
// string label's index for strings) into dst (its width; zeroed first).
// y < 0 writes no label (the first step of an episode).
func setLabel[T Float](l Labels, dst []T, y int) {
	clear(dst)
	if y < 0 {
		return
	}
	if l == String {
		for i := range StringChars {
			dst[i*StringLetters+stringChar(y, i)] = 1
		}
		return
	}
	dst[y] = 1
}
