package learn

import (
	"errors"
	"fmt"

	"metaglot/core/checkpoint"
	"metaglot/core/learner"
	"metaglot/core/tensor"
	"metaglot/wasm/classify"
)

// Inner runs the inner loop of an optimization-based learner (FOMAML or
// Reptile) on a task one SGD step at a time, for the Learn view: the
// page's own FineTuner (package classify), so the numbers are those Draw
// & classify shows.
type Inner struct {
	Algo string
	f    *classify.FineTuner
	set  *tensor.Set
	meta map[string]string

	support [][][]float32
	query   []float32
	result  *classify.Result
}

// NewInner makes the inner loop of the algorithm name from its weights
// file (safetensors bytes, as assets/models/<name>.safetensors).
func NewInner(name string, weights []byte) (*Inner, error) {
	set, meta, err := checkpoint.Decode(weights)
	if err != nil {
		return nil, fmt.Errorf("%s weights: %w", name, err)
	}
	f, err := classify.NewFineTuner(name, set, meta)
	if err != nil {
		return nil, err
	}
	return &Inner{Algo: name, f: f, set: set, meta: meta}, nil
}

// BN returns the BatchNorm statistics the model was meta-trained with.
func (in *Inner) BN() learner.BN { return in.f.BN() }

// Defaults returns the model's own inner steps and learning rate.
func (in *Inner) Defaults() (steps int, lr float64) { return in.f.DefaultInner() }

// Start begins adapting to the task's support set with steps SGD steps of
// learning rate lr, for the task's query; no step runs yet. A bad steps
// or lr is refused (the previous run stays).
func (in *Inner) Start(t Task, steps int, lr float64) error {
	q, _, ok := t.Query()
	if !ok {
		return errors.New("the task has no query: draw one on the query pad, or give a class one more example than K")
	}
	// A fresh FineTuner: the same support set and settings run again from
	// the meta-learned weights.
	f, err := classify.NewFineTuner(in.Algo, in.set, in.meta)
	if err != nil {
		return err
	}
	if err := f.SetInner(steps, lr); err != nil {
		return err
	}
	in.f = f
	in.support, in.query, in.result = t.Support, q, nil
	if _, err := in.f.Classify(in.support, in.query); !errors.Is(err, classify.ErrAdapting) {
		in.support = nil
		if err == nil {
			err = errors.New("learn: the adaptation did not start")
		}
		return err
	}
	return nil
}

// Step runs the next SGD step (or, after the last, finishes the
// adaptation and classifies); it reports whether anything is left.
func (in *Inner) Step() (more bool, err error) {
	if in.support == nil || in.result != nil {
		return false, nil
	}
	more = in.f.Step()
	if more {
		return true, nil
	}
	r, err := in.f.Classify(in.support, in.query)
	if errors.Is(err, classify.ErrAdapting) {
		return true, nil // finishing takes one more call
	}
	if err != nil {
		return false, err
	}
	in.result = &r
	return false, nil
}

// InnerView is the state of the inner loop for the picture.
type InnerView struct {
	Done, Total int
	// Losses is the support loss at each step done.
	Losses []float64
	// Before has the query's probabilities with the meta-learned weights
	// (0 steps), After those after the steps done so far (nil before the
	// first); Finished when every step ran and After is the final answer.
	Before, After []float64
	Finished      bool
}

// View returns the loop's state.
func (in *Inner) View() InnerView {
	v := InnerView{Losses: in.f.Losses(), Before: in.f.TraceBefore()}
	v.Done, v.Total = in.f.Progress()
	if tr := in.f.Trace(); len(tr) > 0 {
		v.After = tr[len(tr)-1]
	}
	if in.result != nil {
		v.Finished, v.After = true, in.result.Probs
		v.Before = in.result.Before
	}
	return v
}
