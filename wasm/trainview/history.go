package trainview

import (
	"math"

	"metaglot/wasm/trainer/protocol"
)

// Alpha is the weight of the newest value in the smoothed curves.
const Alpha = 0.1

// MaxPoints bounds the points a History keeps: beyond it, neighbouring
// points are merged in pairs (their means), so that a long run's curves
// keep their shape in bounded memory.
const MaxPoints = 4096

// Point is one point of the curves: a step's episode, raw values and the
// smoothed values after it.
type Point struct {
	Episode              int
	Loss, Acc            float64
	SmoothLoss, SmoothAc float64
}

// History is the record of a run: every step (merged when long) and the
// held-out measurements.
type History struct {
	Points []Point
	Evals  []protocol.Eval
	// Adapts says the run's learner adapts by inner steps (FOMAML,
	// Reptile): its held-out measurements (Evals) carry the accuracy
	// before adaptation (Eval.Before, 0 steps) beside the one after.
	Adapts bool

	n                int     // steps seen
	emaLoss, emaAcc  float64 // uncorrected averages
	decay            float64 // (1 − Alpha)^n
	sinceMerge, span int     // steps per point (a power of two) and steps in the last point
}

// Reset empties h for a new run.
func (h *History) Reset() { *h = History{} }

// Add records a step. Non-finite values (never sent by the worker) are
// ignored.
func (h *History) Add(s protocol.Step) {
	if math.IsNaN(s.Loss) || math.IsInf(s.Loss, 0) || math.IsNaN(s.Acc) {
		return
	}
	if h.n == 0 {
		h.decay, h.span = 1, 1
	}
	h.n++
	h.emaLoss = (1-Alpha)*h.emaLoss + Alpha*s.Loss
	h.emaAcc = (1-Alpha)*h.emaAcc + Alpha*s.Acc
	h.decay *= 1 - Alpha
	p := Point{Episode: s.Episode, Loss: s.Loss, Acc: s.Acc, SmoothLoss: h.emaLoss / (1 - h.decay), SmoothAc: h.emaAcc / (1 - h.decay)}
	// Points hold span steps each; the last may be filling.
	if k := len(h.Points); k > 0 && h.sinceMerge < h.span {
		last := &h.Points[k-1]
		m := float64(h.sinceMerge)
		last.Loss = (last.Loss*m + p.Loss) / (m + 1)
		last.Acc = (last.Acc*m + p.Acc) / (m + 1)
		last.Episode, last.SmoothLoss, last.SmoothAc = p.Episode, p.SmoothLoss, p.SmoothAc
		h.sinceMerge++
		return
	}
	if len(h.Points) >= MaxPoints {
		// Every point is full (span steps): merge pairs.
		half := h.Points[:0]
		for i := 0; i+1 < len(h.Points); i += 2 {
			a, b := h.Points[i], h.Points[i+1]
			half = append(half, Point{Episode: b.Episode, Loss: (a.Loss + b.Loss) / 2, Acc: (a.Acc + b.Acc) / 2, SmoothLoss: b.SmoothLoss, SmoothAc: b.SmoothAc})
		}
		h.Points = half
		h.span *= 2
	}
	h.Points = append(h.Points, p)
	h.sinceMerge = 1
}

// Steps returns the number of steps recorded.
func (h *History) Steps() int { return h.n }

// Last returns the latest point, or false if there is none.
func (h *History) Last() (Point, bool) {
	if len(h.Points) == 0 {
		return Point{}, false
	}
	return h.Points[len(h.Points)-1], true
}
