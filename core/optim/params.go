package optim

import (
	"fmt"
	"math"

	"metaglot/core/tensor"
)

// layout records the names and shapes of the parameters an optimizer knows,
// in the order of the trainable set it was built from.
type layout struct {
	kind   string // "adam" or "sgd", used in error messages
	names  []string
	shapes [][]int
	index  map[string]int
}

func newLayout(kind string, trainable *tensor.Set) layout {
	l := layout{kind: kind, index: make(map[string]int, trainable.Len())}
	for i := range trainable.Len() {
		name, t := trainable.At(i)
		if len(t.Data) != tensor.Size(t.Shape) {
			panic(fmt.Sprintf("optim: %s: trainable %q has %d values for shape %v", kind, name, len(t.Data), tensor.ShapeString(t.Shape)))
		}
		l.index[name] = i
		l.names = append(l.names, name)
		l.shapes = append(l.shapes, append([]int(nil), t.Shape...))
	}
	return l
}

// check verifies, without changing anything, that every gradient in grads
// names a known parameter that params holds with the same shape, and that
// every gradient is finite. It does not allocate unless it fails.
func (l *layout) check(params, grads *tensor.Set) error {
	for i := range grads.Len() {
		name, g := grads.At(i)
		j, ok := l.index[name]
		if !ok {
			return fmt.Errorf("optim: %s: gradient %q %v is for a parameter the optimizer does not know (it was built for %d parameters)",
				l.kind, name, tensor.ShapeString(g.Shape), len(l.names))
		}
		want := l.shapes[j]
		p := params.Get(name)
		switch {
		case p == nil:
			return fmt.Errorf("optim: %s: gradient %q %v has no parameter in params", l.kind, name, tensor.ShapeString(g.Shape))
		case !tensor.SameShape(g.Shape, want):
			return fmt.Errorf("optim: %s: gradient %q has shape %v, optimizer state has %v", l.kind, name, tensor.ShapeString(g.Shape), tensor.ShapeString(want))
		case !tensor.SameShape(p.Shape, want):
			return fmt.Errorf("optim: %s: parameter %q has shape %v, optimizer state has %v", l.kind, name, tensor.ShapeString(p.Shape), tensor.ShapeString(want))
		case len(g.Data) != tensor.Size(want) || len(p.Data) != tensor.Size(want):
			return fmt.Errorf("optim: %s: %q: gradient has %d values and parameter %d, shape %v needs %d",
				l.kind, name, len(g.Data), len(p.Data), tensor.ShapeString(want), tensor.Size(want))
		}
		if k := firstNonFinite(g.Data); k >= 0 {
			return fmt.Errorf("optim: %s: gradient %q %v: element %d is %v; no parameter was updated",
				l.kind, name, tensor.ShapeString(g.Shape), k, g.Data[k])
		}
	}
	return nil
}

// firstNonFinite returns the index of the first NaN or Inf in x, or -1.
func firstNonFinite(x []float32) int {
	for i, v := range x {
		if v-v != 0 { // NaN−NaN and Inf−Inf are NaN; finite v−v is 0
			return i
		}
	}
	return -1
}

// checkState verifies that s holds exactly the tensors of want, all finite,
// returning an error naming the first problem.
func checkState(kind string, s, want *tensor.Set) error {
	if err := s.Match(want); err != nil {
		return fmt.Errorf("optim: %s: load state: %w", kind, err)
	}
	for i := range s.Len() {
		name, t := s.At(i)
		if len(t.Data) != tensor.Size(t.Shape) {
			return fmt.Errorf("optim: %s: load state: %q has %d values for shape %v", kind, name, len(t.Data), tensor.ShapeString(t.Shape))
		}
		if err := t.CheckFinite(name); err != nil {
			return fmt.Errorf("optim: %s: load state: %w", kind, err)
		}
	}
	return nil
}

// checkCount verifies that a step count read from a state tensor is a
// whole number in [0, max] and returns it.
func checkCount(kind, name string, t *tensor.Tensor, max int64) (int64, error) {
	v := float64(t.Data[0])
	if v < 0 || v != math.Trunc(v) || v > float64(max) {
		return 0, fmt.Errorf("optim: %s: load state: %q is %v, want a whole number in [0, %d]", kind, name, v, max)
	}
	return int64(v), nil
}

// checkRate panics unless lr is a finite, non-negative learning rate.
func checkRate(kind string, lr float32) {
	if !(lr >= 0) || math.IsInf(float64(lr), 0) {
		panic(fmt.Sprintf("optim: %s: learning rate %v, want a finite value >= 0", kind, lr))
	}
}

func orDefault(v, def float32) float32 {
	if v == 0 {
		return def
	}
	return v
}
