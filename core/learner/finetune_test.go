package learner

import (
	"math/rand/v2"
	"slices"
	"testing"

	"metaglot/core/nn"
	"metaglot/core/tensor"
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
	}{{"", SupportBN}, {"support", SupportBN}, {"running", RunningBN}, {"transductive", TransductiveBN}} {
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

// TestTransductiveProbs: classifying the support set itself transductively
// normalizes it with the statistics FinishAdapt stored, so it agrees with
// the one-at-a-time Probs; on another batch the transductive rows depend
// on the batch, Probs' do not; and neither changes the classifier.
func TestTransductiveProbs(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	p, x := randomNetAndImages(rng, 3, 6)
	labels := []int{0, 0, 1, 1, 2, 2}
	n := NewHeadNet(nil, SupportBN)
	grads := nn.Trainable(p).ZerosLike()
	if _, err := n.FineTune(p, grads, x, labels, 2, 0.1); err != nil {
		t.Fatal(err)
	}
	c, err := NewHeadClassifier(nil, p)
	if err != nil {
		t.Fatal(err)
	}
	one, err := c.Probs(x)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := c.TransductiveProbs(x)
	if err != nil {
		t.Fatal(err)
	}
	for i := range one.Data {
		if d := one.Data[i] - tr.Data[i]; d > 1e-4 || d < -1e-4 {
			t.Fatalf("support set, probability %d: %v one at a time, %v transductive", i, one.Data[i], tr.Data[i])
		}
	}
	// Queries: the first three images with three others.
	_, y := randomNetAndImages(rand.New(rand.NewPCG(3, 4)), 3, 6)
	q := y.Clone()
	copy(q.Data[:3*len(q.Data)/6], x.Data[:3*len(x.Data)/6])
	oneQ, err := c.Probs(q)
	if err != nil {
		t.Fatal(err)
	}
	trQ, err := c.TransductiveProbs(q)
	if err != nil {
		t.Fatal(err)
	}
	sameOne, sameTr := true, true
	for i := range 3 * 3 {
		sameOne = sameOne && oneQ.Data[i] == one.Data[i]
		sameTr = sameTr && trQ.Data[i] == tr.Data[i]
	}
	if !sameOne {
		t.Error("Probs of the first three images changed with the rest of the batch")
	}
	if sameTr {
		t.Error("TransductiveProbs of the first three images did not change with the rest of the batch")
	}
	again, err := c.Probs(x)
	if err != nil {
		t.Fatal(err)
	}
	for i := range one.Data {
		if again.Data[i] != one.Data[i] {
			t.Fatal("TransductiveProbs changed the classifier's weights")
		}
	}
}

// TestInnerParams: with NoBNParams an inner step changes the convolutions
// and the head but leaves every BatchNorm scale and offset as it was; with
// AllParams (a new HeadNet's) it changes those too. The steps taken are
// otherwise the same: the tensors both change agree.
func TestInnerParams(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	p, x := randomNetAndImages(rng, 3, 6)
	labels := []int{0, 0, 1, 1, 2, 2}
	step := func(ip InnerParams) *tensor.Set {
		n := NewHeadNet(nil, SupportBN)
		if ip != AllParams {
			n.SetInnerParams(ip)
		}
		fast := p.Clone()
		if _, err := n.InnerStep(fast, nn.Trainable(fast).ZerosLike(), x, labels, 0.5); err != nil {
			t.Fatal(err)
		}
		return fast
	}
	all, noBN := step(AllParams), step(NoBNParams)
	bnAffine := 0
	for i := range nn.Trainable(p).Len() {
		name, before := nn.Trainable(p).At(i)
		changedAll := !slices.Equal(all.Get(name).Data, before.Data)
		changedNoBN := !slices.Equal(noBN.Get(name).Data, before.Data)
		if !changedAll {
			t.Errorf("%s: unchanged by a step on all parameters", name)
		}
		if isBNAffine(name) {
			bnAffine++
			if changedNoBN {
				t.Errorf("%s: a BatchNorm scale or offset changed by a no-bn step", name)
			}
			continue
		}
		if !slices.Equal(noBN.Get(name).Data, all.Get(name).Data) {
			t.Errorf("%s: the no-bn step differs from the full step", name)
		}
	}
	if bnAffine != 2*nn.Blocks {
		t.Errorf("%d BatchNorm scales and offsets, want %d", bnAffine, 2*nn.Blocks)
	}
	for _, tc := range []struct {
		s    string
		want InnerParams
		ok   bool
	}{{"", AllParams, true}, {"all", AllParams, true}, {"no-bn", NoBNParams, true}, {"none", 0, false}} {
		got, err := ParseInnerParams(tc.s)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseInnerParams(%q) = %v, %v", tc.s, got, err)
		}
		if tc.ok && tc.s != "" && got.String() != tc.s {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), tc.s)
		}
	}
}
