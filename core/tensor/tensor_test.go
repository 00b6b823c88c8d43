package tensor

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestSetMatch(t *testing.T) {
	var a Set
	a.Add("w", New(2, 3))
	a.Add("b", New(3))

	b := a.ZerosLike()
	if err := b.Match(&a); err != nil {
		t.Fatalf("ZerosLike does not match: %v", err)
	}

	var missing Set
	missing.Add("w", New(2, 3))
	if err := missing.Match(&a); err == nil || !strings.Contains(err.Error(), `"b"`) {
		t.Errorf("missing tensor: got %v, want an error naming \"b\"", err)
	}

	var wrong Set
	wrong.Add("w", New(3, 2))
	wrong.Add("b", New(3))
	err := wrong.Match(&a)
	if err == nil || !strings.Contains(err.Error(), "[3 2]") || !strings.Contains(err.Error(), "[2 3]") {
		t.Errorf("wrong shape: got %v, want both shapes named", err)
	}

	extra := a.Clone()
	extra.Add("z", New(1))
	if err := extra.Match(&a); err == nil || !strings.Contains(err.Error(), `"z"`) {
		t.Errorf("extra tensor: got %v, want an error naming \"z\"", err)
	}
}

func TestSetCopyFromIsAllOrNothing(t *testing.T) {
	var dst Set
	dst.Add("a", FromData([]float32{1, 2}, 2))
	dst.Add("b", FromData([]float32{3}, 1))
	var src Set
	src.Add("a", FromData([]float32{9, 9}, 2))
	src.Add("b", FromData([]float32{9, 9}, 2))
	if err := dst.CopyFrom(&src); err == nil {
		t.Fatal("CopyFrom with a mismatched shape succeeded")
	}
	if dst.Get("a").Data[0] != 1 {
		t.Error("CopyFrom wrote before failing")
	}
}

func TestCheckFinite(t *testing.T) {
	var s Set
	s.Add("ok", FromData([]float32{1, 2}, 2))
	s.Add("bad", FromData([]float32{0, float32(math.NaN())}, 2))
	err := s.CheckFinite()
	if err == nil || !strings.Contains(err.Error(), "bad") {
		t.Errorf("got %v, want an error naming \"bad\"", err)
	}
}

func TestSetOrder(t *testing.T) {
	var s Set
	for _, n := range []string{"c", "a", "b"} {
		s.Add(n, New(1))
	}
	if got := strings.Join(s.Names(), ""); got != "cab" {
		t.Errorf("Names() = %q, want insertion order \"cab\"", got)
	}
}

// TestTensorCheckFinite puts NaN, +Inf and −Inf at every position of
// tensors of 0 to 9 elements (the four-wide loop and its tail), beside the
// largest finite values, and wants the error to name that element; all
// finite values (±MaxFloat32, the smallest subnormal, −0) pass.
func TestTensorCheckFinite(t *testing.T) {
	finite := []float32{math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, float32(math.Copysign(0, -1)), 1}
	for n := 0; n <= 9; n++ {
		x := New(n)
		for i := range x.Data {
			x.Data[i] = finite[i%len(finite)]
		}
		if err := x.CheckFinite("x"); err != nil {
			t.Errorf("n=%d finite: %v", n, err)
		}
		for i := 0; i < n; i++ {
			for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
				y := x.Clone()
				y.Data[i] = bad
				err := y.CheckFinite("y")
				if want := fmt.Sprintf("element %d is %v", i, bad); err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("n=%d, %v at %d: error %v, want one saying %q", n, bad, i, err, want)
				}
			}
		}
	}
}
