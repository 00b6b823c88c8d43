package app

import (
	"fmt"

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
		t += fmt.Sprintf(" after adapting for %.2f s (%d steps, one per frame)", s.AdaptTime.Seconds(), s.AdaptTotal)
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
