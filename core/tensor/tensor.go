package tensor

import (
	"fmt"
	"math"
	"strings"
)

// Tensor is a dense, row-major float32 array.
//
// Data has exactly Size(Shape) elements. A Tensor may share Data with
// another Tensor (see Reshape); functions that write say so.
type Tensor struct {
	Shape []int
	Data  []float32
}

// New returns a zero tensor of the given shape. It panics if a dimension is
// negative.
func New(shape ...int) *Tensor {
	return &Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, Size(shape))}
}

// FromData returns a tensor of the given shape that uses data as its
// storage (no copy). It panics if len(data) does not match the shape.
func FromData(data []float32, shape ...int) *Tensor {
	if n := Size(shape); n != len(data) {
		panic(fmt.Sprintf("tensor: %d values for shape %v (want %d)", len(data), shape, n))
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: data}
}

// Size returns the number of elements of a tensor of the given shape: the
// product of its dimensions (1 for a scalar, shape []). It panics if a
// dimension is negative.
func Size(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("tensor: negative dimension in shape %v", shape))
		}
		n *= d
	}
	return n
}

// Len returns the number of elements of t.
func (t *Tensor) Len() int { return len(t.Data) }

// Clone returns a deep copy of t.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...)}
}

// Zero sets every element of t to 0.
func (t *Tensor) Zero() { clear(t.Data) }

// CopyFrom copies u's elements into t. It panics if the shapes differ.
func (t *Tensor) CopyFrom(u *Tensor) {
	if !SameShape(t.Shape, u.Shape) {
		panic(fmt.Sprintf("tensor: copy from shape %v into %v", u.Shape, t.Shape))
	}
	copy(t.Data, u.Data)
}

// Reshape returns a tensor that shares t's data under a new shape with the
// same number of elements. It panics if the sizes differ.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	return FromData(t.Data, shape...)
}

// SameShape reports whether a and b are the same shape.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ShapeString formats a shape as "[64 1 3 3]".
func ShapeString(shape []int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, d := range shape {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprint(&b, d)
	}
	b.WriteByte(']')
	return b.String()
}

// CheckFinite returns an error naming the first NaN or Inf element of t,
// with name used to identify t in the message.
func (t *Tensor) CheckFinite(name string) error {
	// Fast path: v·0 is 0 for every finite v and NaN for NaN and ±Inf, so
	// a sum of them is 0 exactly when all values are finite; four
	// independent sums keep the loop free of branches. Only when it is not
	// does the loop below find the first offender for the message.
	var s0, s1, s2, s3 float32
	d := t.Data
	i := 0
	for ; i+4 <= len(d); i += 4 {
		q := d[i : i+4 : i+4]
		s0 += q[0] * 0
		s1 += q[1] * 0
		s2 += q[2] * 0
		s3 += q[3] * 0
	}
	for ; i < len(d); i++ {
		s0 += d[i] * 0
	}
	if s0+s1+s2+s3 == 0 {
		return nil
	}
	for i, v := range t.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%s %v: element %d is %v", name, ShapeString(t.Shape), i, v)
		}
	}
	return nil
}
