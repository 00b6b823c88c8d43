package learner

import (
	"math/rand/v2"
	"testing"

	"metaglot/core/nn"
)

// TestInnerStepStatistics: an inner step's support loss is the loss under
// the BatchNorm statistics of the HeadNet's BN (the batch's with
// SupportBN, the stored running statistics with RunningBN), and with
// RunningBN a whole FineTune leaves the running statistics as they were.
func TestInnerStepStatistics(t *testing.T) {
	for _, bn := range []BN{SupportBN, RunningBN} {
		t.Run(bn.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			p, x := randomNetAndImages(rng, 3, 6)
			labels := []int{0, 0, 1, 1, 2, 2}
			// Running statistics unlike any batch's: the two modes differ.
			for i := range p.Len() {
				name, v := p.At(i)
				if nn.IsBuffer(name) {
					for j := range v.Data {
						v.Data[j] = 0.3 + 0.1*float32(j%5)
					}
				}
			}
			n := NewHeadNet(nil, bn)
			want, _, err := n.Loss(p.Clone(), x, labels, bn == SupportBN, nil)
			if err != nil {
				t.Fatal(err)
			}
			other, _, err := n.Loss(p.Clone(), x, labels, bn != SupportBN, nil)
			if err != nil {
				t.Fatal(err)
			}
			if want == other {
				t.Fatalf("the loss is %v under either statistics: the test cannot tell them apart", want)
			}
			fast := p.Clone()
			grads := nn.Trainable(fast).ZerosLike()
			got, err := n.InnerStep(fast, grads, x, labels, 0.05)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("support loss %v, want %v (%v under the other statistics)", got, want, other)
			}
			fast = p.Clone()
			if _, err := n.FineTune(fast, grads, x, labels, 3, 0.05); err != nil {
				t.Fatal(err)
			}
			for i := range p.Len() {
				name, v := p.At(i)
				if !nn.IsBuffer(name) {
					continue
				}
				same := true
				for j := range v.Data {
					same = same && fast.Get(name).Data[j] == v.Data[j]
				}
				if same != (bn == RunningBN) {
					t.Errorf("%s unchanged after FineTune: %v, want %v", name, same, bn == RunningBN)
				}
			}
		})
	}
}

func TestParseBN(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want BN
	}{{"", SupportBN}, {"support", SupportBN}, {"running", RunningBN}} {
		if got, err := ParseBN(tc.in); err != nil || got != tc.want {
			t.Errorf("ParseBN(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if tc.in != "" && tc.want.String() != tc.in {
			t.Errorf("%v.String() = %q, want %q", tc.want, tc.want.String(), tc.in)
		}
	}
	if _, err := ParseBN("batch"); err == nil {
		t.Error(`ParseBN("batch") succeeded`)
	}
}
