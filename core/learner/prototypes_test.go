package learner

import (
	"slices"
	"strings"
	"testing"
)

func TestPrototypes(t *testing.T) {
	// Three 2-d embeddings of classes 1, 0, 1.
	emb := []float32{1, 2, 10, 20, 3, 6}
	p32 := make([]float32, 4)
	count, err := Prototypes(p32, emb, []int{1, 0, 1}, 2, 2)
	if err != nil || count[0] != 1 || count[1] != 2 {
		t.Fatal(count, err)
	}
	if want := []float32{10, 20, 2, 4}; !slices.Equal(p32, want) {
		t.Errorf("prototypes %v, want %v", p32, want)
	}
	p64 := []float64{9, 9, 9, 9} // overwritten, not added to
	if _, err := Prototypes(p64, emb, []int{1, 0, 1}, 2, 2); err != nil || p64[2] != 2 || p64[0] != 10 {
		t.Errorf("float64 prototypes %v, %v", p64, err)
	}
	if _, err := Prototypes(p32, emb, []int{1, 2, 1}, 2, 2); err == nil || !strings.Contains(err.Error(), "label 2 of support image 1") {
		t.Errorf("label out of range: %v", err)
	}
	if _, err := Prototypes(p32, emb, []int{1, 1, 1}, 2, 2); err == nil || !strings.Contains(err.Error(), "class 0 has no support image") {
		t.Errorf("empty class: %v", err)
	}
}
