package tensor

import (
	"fmt"
	"strings"
)

// Set is an ordered collection of named tensors: a network's parameters,
// their gradients, an optimizer's state, the contents of a checkpoint.
//
// The zero value is an empty set ready to use.
type Set struct {
	names   []string
	tensors []*Tensor
	index   map[string]int
}

// Add appends t under name. It panics if name is already in s.
func (s *Set) Add(name string, t *Tensor) {
	if s.index == nil {
		s.index = make(map[string]int)
	}
	if _, dup := s.index[name]; dup {
		panic(fmt.Sprintf("tensor: set already has %q", name))
	}
	s.index[name] = len(s.names)
	s.names = append(s.names, name)
	s.tensors = append(s.tensors, t)
}

// Get returns the tensor named name, or nil if s has none.
func (s *Set) Get(name string) *Tensor {
	i, ok := s.index[name]
	if !ok {
		return nil
	}
	return s.tensors[i]
}

// Has reports whether s holds a tensor named name.
func (s *Set) Has(name string) bool {
	_, ok := s.index[name]
	return ok
}

// Len returns the number of tensors in s.
func (s *Set) Len() int { return len(s.names) }

// At returns the i-th name and tensor in insertion order.
func (s *Set) At(i int) (string, *Tensor) { return s.names[i], s.tensors[i] }

// Names returns the names of s in insertion order. The caller must not
// modify the returned slice.
func (s *Set) Names() []string { return s.names }

// Clone returns a deep copy of s.
func (s *Set) Clone() *Set {
	c := &Set{}
	for i, n := range s.names {
		c.Add(n, s.tensors[i].Clone())
	}
	return c
}

// ZerosLike returns a set with the same names and shapes as s, all zero.
func (s *Set) ZerosLike() *Set {
	c := &Set{}
	for i, n := range s.names {
		c.Add(n, New(s.tensors[i].Shape...))
	}
	return c
}

// Zero sets every tensor of s to zero.
func (s *Set) Zero() {
	for _, t := range s.tensors {
		t.Zero()
	}
}

// CopyFrom copies the values of every tensor of s from the tensor of the
// same name in src. It returns an error, and copies nothing, if src lacks a
// name of s or has it with another shape.
func (s *Set) CopyFrom(src *Set) error {
	if err := src.Covers(s); err != nil {
		return err
	}
	for i, n := range s.names {
		copy(s.tensors[i].Data, src.Get(n).Data)
	}
	return nil
}

// Covers returns nil if s has every name of want with the same shape, and
// otherwise an error naming the first missing or mismatched tensor.
func (s *Set) Covers(want *Set) error {
	for i, n := range want.names {
		got := s.Get(n)
		if got == nil {
			return fmt.Errorf("missing tensor %q (want shape %v)", n, ShapeString(want.tensors[i].Shape))
		}
		if !SameShape(got.Shape, want.tensors[i].Shape) {
			return fmt.Errorf("tensor %q has shape %v, want %v", n, ShapeString(got.Shape), ShapeString(want.tensors[i].Shape))
		}
	}
	return nil
}

// Match returns nil if s and want hold exactly the same names with the same
// shapes, and otherwise an error naming the missing, extra or mismatched
// tensors.
func (s *Set) Match(want *Set) error {
	if err := s.Covers(want); err != nil {
		return err
	}
	var extra []string
	for _, n := range s.names {
		if !want.Has(n) {
			extra = append(extra, n)
		}
	}
	if len(extra) > 0 {
		return fmt.Errorf("unexpected tensors %s", strings.Join(quote(extra), ", "))
	}
	return nil
}

// CheckFinite returns an error naming the first tensor of s that holds a
// NaN or an Inf.
func (s *Set) CheckFinite() error {
	for i, n := range s.names {
		if err := s.tensors[i].CheckFinite(n); err != nil {
			return err
		}
	}
	return nil
}

func quote(ss []string) []string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return q
}
