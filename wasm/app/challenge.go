package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"metaglot/core/checkpoint"
	"metaglot/core/modelfile"
	"metaglot/core/omniglot"
	"metaglot/core/tensor"
)

// ChallengerModel is the bundled model the challenge plays against
// (site.Weights(ChallengerModel), fetched when Lake's task is first
// tried): a ProtoNet meta-trained on Lake's 30 background alphabets only,
// so that every evaluation alphabet is new to it, as to the visitor; its
// recipe (protonet-background-aug) trains in two stages on distorted
// drawings, as Koch et al. and Lake et al. did.
const ChallengerModel = "protonet-background-aug"

// PlanLake picks, with rng, one of Lake's 20 evaluation alphabets that has
// at least n characters, and n of them: Lake et al.'s one-shot task
// (Science 2015) as `metaglot eval -split lake` samples it
// (episode.Config OneAlphabet and SameDrawers; Try takes the drawers).
func PlanLake(ix *omniglot.Index, n int, rng *rand.Rand) (TryPlan, error) {
	if n < 2 {
		return TryPlan{}, fmt.Errorf("Lake's task needs at least 2 classes, not %d", n)
	}
	var fits []omniglot.Alphabet
	for _, al := range ix.Alphabets {
		if al.Set == "evaluation" && len(al.Characters) >= n {
			fits = append(fits, al)
		}
	}
	if len(fits) == 0 {
		return TryPlan{}, fmt.Errorf("no evaluation alphabet has %d characters", n)
	}
	al := fits[rng.IntN(len(fits))]
	chars := slices.Clone(al.Characters)
	rng.Shuffle(len(chars), func(i, j int) { chars[i], chars[j] = chars[j], chars[i] })
	return TryPlan{Alphabet: al.Name, File: al.File, Chars: chars[:n], Lake: true}, nil
}

// SetChallenger makes the challenge's model of a weights file (data as
// fetched, or fetchErr), a ProtoNet; a missing or broken file leaves
// none, and ChallengerNote says why.
func (s *State) SetChallenger(data []byte, fetchErr error) {
	err := fetchErr
	var meta map[string]string
	if err == nil {
		var set *tensor.Set
		set, meta, err = checkpoint.Decode(data)
		if err == nil {
			s.Challenger, err = NewClassifier(StartAlgorithm, set, meta)
		}
	}
	if err != nil {
		s.Challenger = nil
		s.ChallengerNote = "The background-only model could not be loaded: " + err.Error() + "."
		return
	}
	s.ChallengerNote = ChallengerText(meta)
}

// ChallengerText describes the challenge's model from its weights file's
// metadata, to follow "The model is ": the episodes (and the earlier run's
// it started from, config init), the alphabets (held-out ones chose the
// model, config val_alphabets) and the augmentation (config augment and
// rotations), e.g. "a ProtoNet meta-trained on 3 600 episodes, then 800
// of 60-way 1-shot, of 25 of the 30 background alphabets (5 more held
// out to choose it), on drawings with small random distortions …, never
// on the evaluation alphabets".
func ChallengerText(meta map[string]string) string {
	var c modelfile.Config
	if json.Unmarshal([]byte(meta["config"]), &c) != nil {
		c = modelfile.Config{}
	}
	t := "a ProtoNet meta-trained on " + thousandsOf(meta["episodes"]) + " episodes"
	if in, err := modelfile.ParseInit(c.Init); err == nil {
		t = fmt.Sprintf("a ProtoNet meta-trained on %s episodes, then %s", thousands(in.Episodes), thousandsOf(meta["episodes"]))
		if c.Way > 0 && c.Shot > 0 {
			t += fmt.Sprintf(" of %d-way %d-shot", c.Way, c.Shot)
		}
		t += ","
	}
	if c.ValAlphabets > 0 && c.ValAlphabets < 30 {
		t += fmt.Sprintf(" of %d of the 30 background alphabets (%d more held out to choose it)", 30-c.ValAlphabets, c.ValAlphabets)
	} else {
		t += " of the 30 background alphabets"
	}
	var aug []string
	if c.Augment > 0 {
		aug = append(aug, "small random distortions (rotation, shear, scale, shift)")
	}
	if c.Rotations {
		aug = append(aug, "their 90° turns as classes of their own")
	}
	if len(aug) > 0 {
		t += ", on drawings with " + strings.Join(aug, " and ")
	}
	if len(aug) > 0 || c.ValAlphabets > 0 {
		return t + ", never on the evaluation alphabets"
	}
	return t + " only"
}

// Challenge is the visitor against the background-only model on the held-
// out drawings of a Lake Try Omniglot set, one at a time in a shuffled
// order: the visitor picks a class, then sees the model's pick, and both
// scores.
type Challenge struct {
	// Order lists the held-out drawings (State.Omniglot) in the order
	// asked; Pos is the one asked now.
	Order []int
	Pos   int
	// Answered says the current drawing has been answered: Guess is the
	// visitor's class, ModelGuess the model's and ModelProb its
	// probability.
	Answered          bool
	Guess, ModelGuess int
	ModelProb         float64
	// You and Model count right answers over Asked drawings answered.
	You, Model, Asked int
}

// Done reports whether every drawing has been answered.
func (c *Challenge) Done() bool { return c.Pos == len(c.Order)-1 && c.Answered }

// StartChallenge starts a challenge on the held-out drawings of the Lake
// set in place, in an order shuffled with rng, with the first drawing as
// the query. The model must be loaded.
func (s *State) StartChallenge(rng *rand.Rand) error {
	switch {
	case !s.Lake || len(s.Omniglot) == 0:
		return errors.New("load Lake's task first: Try Omniglot with the Lake protocol")
	case s.Challenger == nil:
		if s.ChallengerNote != "" {
			return errors.New(s.ChallengerNote)
		}
		return errors.New("the background-only model is still loading")
	}
	s.Challenge = &Challenge{Order: rng.Perm(len(s.Omniglot))}
	s.PickHeldOut(s.Challenge.Order[0])
	s.QueryLabel = "Which class is this drawing?" // its name would give it away
	return nil
}

// Answer records the visitor's class for the drawing asked, then the
// model's answer for it, and the scores.
func (s *State) Answer(class int) error {
	c := s.Challenge
	if c == nil || c.Answered {
		return nil
	}
	if class < 0 || class >= s.Classes.Len() {
		return fmt.Errorf("no class %d", class+1)
	}
	h := s.Omniglot[c.Order[c.Pos]]
	res, err := s.Challenger.Classify(s.supportImages(), h.Image)
	if err != nil {
		return fmt.Errorf("the model could not answer: %w", err)
	}
	c.Answered, c.Guess, c.ModelGuess, c.ModelProb = true, class, res.Best, res.Probs[res.Best]
	c.Asked++
	if class == h.Class {
		c.You++
	}
	if res.Best == h.Class {
		c.Model++
	}
	s.QueryLabel = h.Label
	return nil
}

// NextDrawing asks the next drawing, if any is left.
func (s *State) NextDrawing() {
	c := s.Challenge
	if c == nil || !c.Answered || c.Pos+1 >= len(c.Order) {
		return
	}
	c.Pos++
	c.Answered = false
	s.PickHeldOut(c.Order[c.Pos])
	s.QueryLabel = "Which class is this drawing?"
}

// ChallengeText says where the challenge stands, in plain words: the
// question, or the two answers and the scores.
func (s *State) ChallengeText() string {
	c := s.Challenge
	if c == nil {
		return ""
	}
	name := func(i int) string { return "“" + s.Classes.Class(i).Name + "”" }
	q := fmt.Sprintf("Drawing %d of %d: which class is it? Pick it below, by its example.", c.Pos+1, len(c.Order))
	if !c.Answered {
		return q + " " + s.scoreText()
	}
	h := s.Omniglot[c.Order[c.Pos]]
	verdict := func(g int) string {
		if g == h.Class {
			return "right"
		}
		return "wrong: it is " + name(h.Class)
	}
	t := fmt.Sprintf("Drawing %d of %d. You: %s, %s. The model: %s (%.0f %%), %s. %s", c.Pos+1, len(c.Order),
		name(c.Guess), verdict(c.Guess), name(c.ModelGuess), 100*c.ModelProb, verdict(c.ModelGuess), s.scoreText())
	if c.Done() {
		t += " That was the last drawing."
		if s.LakeRun != 0 {
			t += s.runVerdict()
		}
	}
	return t
}

func (s *State) scoreText() string {
	c := s.Challenge
	if c.Asked == 0 {
		return "The model is " + s.ChallengerNote + "."
	}
	score := fmt.Sprintf("Score: you %d of %d, the model %d of %d", c.You, c.Asked, c.Model, c.Asked)
	if s.LakeRun != 0 && c.Done() {
		return score + "." // runVerdict follows, with the published rates
	}
	return score + " (Lake et al. 2015 measured people at 95.5 % on 20 classes)."
}

// thousandsOf writes a whole number given as text with narrow spaces
// between groups of three digits, or the text itself.
func thousandsOf(text string) string {
	var n int
	if _, err := fmt.Sscan(strings.TrimSpace(text), &n); err != nil {
		return text
	}
	return thousands(n)
}
