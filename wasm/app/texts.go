package app

import (
	"fmt"

	"metaglot/core/learner"
	"metaglot/wasm/classes"
	"metaglot/wasm/classify"
)

// ClassCount returns the count beside the class list's heading: "3 of
// 20", the classes and the most the page holds (classes.MaxClasses).
func (s *State) ClassCount() string {
	return fmt.Sprintf("%d of %d", s.Classes.Len(), classes.MaxClasses)
}

// TimingText returns how long the last classification took, with the
// adaptation before it for a fine-tuning classifier ("" before a result).
func (s *State) TimingText() string {
	if !s.HaveResult {
		return ""
	}
	t := fmt.Sprintf("classified in %.1f ms", float64(s.ClassifyTime.Microseconds())/1000)
	if s.Tuner() != nil && s.AdaptTime > 0 {
		how := "one per frame"
		if s.StepBudget > 0 {
			how = fmt.Sprintf("up to %.0f ms of them per frame", float64(s.StepBudget.Microseconds())/1000)
		}
		t += fmt.Sprintf(" after adapting for %.2f s (%d steps, %s)", s.AdaptTime.Seconds(), s.AdaptTotal, how)
	}
	return t
}

// LossCaption describes the support-loss chart of the inner loop ("" with
// no step done).
func (s *State) LossCaption() string {
	n := len(s.AdaptLosses)
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("support loss at each inner step: %.3f at step 1, %.3f at step %d", s.AdaptLosses[0], s.AdaptLosses[n-1], n)
}

// InnerTitles returns the tooltips of the inner-loop fields: their range
// and the model's own values.
func InnerTitles(t InnerTuner) (steps, lr string) {
	ds, dlr := t.DefaultInner()
	return fmt.Sprintf("SGD steps on the support set, 0 to %d (the model's own: %d)", classify.MaxInnerSteps, ds),
		fmt.Sprintf("their learning rate (the model's own: %g)", dlr)
}

// headed is a fine-tuning classifier that may have a meta-learned head
// (classify.FineTuner): HeadWay is its number of classes, 0 if the model
// adapts from the prototype head.
type headed interface {
	HeadWay() int
}

// HeadNote says which head the inner loop of the current classifier
// starts from for the classes with examples now ("" without an inner loop
// or examples): a model meta-trained with a learned N-way head (FOMAML and
// Reptile from scratch) starts from it when the task has N classes, and
// otherwise, as for a model without one, from the prototype head built
// from the support set (classify.FineTuner.ProtoHead).
func (s *State) HeadNote() string {
	c, _ := s.current()
	h, ok := c.(headed)
	if !ok || s.Tuner() == nil {
		return ""
	}
	n := s.classesWithExamples()
	if n == 0 {
		return ""
	}
	label, way := AlgorithmLabel(s.Algorithm), h.HeadWay()
	const proto = "the prototype head (weights 2·c_k and biases −‖c_k‖², c_k the mean embedding of class k's examples)"
	switch {
	case way == 0:
		return "The inner loop starts from " + proto + "."
	case n == way:
		return fmt.Sprintf("The inner loop starts from %s's meta-learned %d-way head, which knows nothing of your classes before adaptation (near chance): the steps fit it to them.", label, way)
	}
	return fmt.Sprintf("%s was meta-trained with a %d-way head and you have %d classes, so its inner loop starts from %s on its meta-learned network instead; with exactly %d classes it starts from its learned head.", label, way, n, proto, way)
}

// normed is a fine-tuning classifier that knows which BatchNorm statistics
// its model was meta-trained with (classify.FineTuner).
type normed interface {
	BN() learner.BN
}

// BNNote says, in plain language, which BatchNorm statistics the current
// fine-tuning classifier normalises a drawing with ("" for a classifier
// without an inner loop). The page classifies one drawing at a time, so a
// model meta-trained as Finn et al. did, with the queries of a task
// normalised together (transductive), is used with the statistics of the
// class examples instead: the table's "one at a time" protocol
// (metaglot eval -protocol one).
func (s *State) BNNote() string {
	c, _ := s.current()
	n, ok := c.(normed)
	if !ok || s.Tuner() == nil {
		return ""
	}
	return BNText(s.Algorithm, n.BN())
}

// BNText is BNNote's sentence for a model of algorithm algo meta-trained
// with the BatchNorm statistics bn (the Learn view's inner-loop step says
// it too). A transductive model is said to follow its paper's authors:
// Finn et al. for first-order MAML, Nichol et al. for Reptile (their code
// normalises the queries of a task together too).
func BNText(algo string, bn learner.BN) string {
	label := AlgorithmLabel(algo)
	switch bn {
	case learner.TransductiveBN:
		who := "Finn et al."
		if algo == "reptile" {
			who = "Nichol et al."
		}
		return label + " was meta-trained as " + who + " did, with transductive BatchNorm: the drawings to classify of a task normalised together, by their own statistics. This page classifies one drawing at a time, so it normalises your drawing with the statistics of your examples (the support set) after the steps instead: on 5-way 1-shot Omniglot that is a few points below the transductive figure (the Learn view's table gives both)."
	case learner.RunningBN:
		return label + " normalises every drawing with the BatchNorm statistics stored in the model (ProtoNet's), one drawing at a time."
	}
	return label + " normalises your drawing with the BatchNorm statistics of your examples (the support set) after the steps, as it was meta-trained: one drawing at a time."
}
