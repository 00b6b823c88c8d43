package learn

import (
	"errors"
	"time"

	"metaglot/wasm/classify"
)

// Classifier is what the page classifies with (app.Classifier): ProtoNet,
// or a FineTuner that adapts step by step (then also a Stepper).
type Classifier interface {
	Classify(support [][][]float32, query []float32) (classify.Result, error)
}

// Stepper runs one adaptation step and reports whether more are to come.
type Stepper interface{ Step() bool }

// Named is a classifier with its algorithm's name and label.
type Named struct {
	Algo, Label string
	C           Classifier
}

// CompareRow is one algorithm's answer for the task's query.
type CompareRow struct {
	Algo, Label string
	Probs       []float64
	Best        int
	// Time is the wall time from the support set to the answer: embedding
	// (ProtoNet) or every fine-tuning step and the classification
	// (FOMAML, Reptile).
	Time time.Duration
	Err  error
}

// maxSteps bounds an adaptation run to the end in one call.
const maxSteps = 1000

// Compare classifies the task's query with every classifier, each timed
// by now from the support set to the answer, running a fine-tuning
// classifier's steps to the end. A classifier that fails gets its error.
func Compare(clfs []Named, t Task, now func() time.Time) []CompareRow {
	q, _, ok := t.Query()
	rows := make([]CompareRow, 0, len(clfs))
	for _, n := range clfs {
		r := CompareRow{Algo: n.Algo, Label: n.Label, Best: -1}
		if !ok {
			r.Err = errors.New("no query")
			rows = append(rows, r)
			continue
		}
		start := now()
		res, err := n.C.Classify(t.Support, q)
		for i := 0; errors.Is(err, classify.ErrAdapting) && i < maxSteps; i++ {
			s, isStepper := n.C.(Stepper)
			if !isStepper {
				break
			}
			s.Step()
			res, err = n.C.Classify(t.Support, q)
		}
		r.Time = now().Sub(start)
		if err != nil {
			r.Err = err
		} else {
			r.Probs, r.Best = res.Probs, res.Best
		}
		rows = append(rows, r)
	}
	return rows
}
