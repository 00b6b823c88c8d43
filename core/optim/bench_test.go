package optim

import (
	"fmt"
	"testing"

	"metaglot/core/tensor"
)

// conv4 returns parameters shaped like Conv4's (four 64-channel 3×3
// convolutions with batch-norm scale and shift), about 113k floats.
func conv4() *tensor.Set {
	var s tensor.Set
	in := 1
	for i := range 4 {
		s.Add(fmt.Sprintf("encoder.%d.0.weight", i), tensor.New(64, in, 3, 3))
		s.Add(fmt.Sprintf("encoder.%d.0.bias", i), tensor.New(64))
		s.Add(fmt.Sprintf("encoder.%d.1.weight", i), tensor.New(64))
		s.Add(fmt.Sprintf("encoder.%d.1.bias", i), tensor.New(64))
		in = 64
	}
	return &s
}

func benchStep(b *testing.B, opt optimizer, p *tensor.Set) {
	g := p.Clone()
	for i := range g.Len() {
		_, t := g.At(i)
		for k := range t.Data {
			t.Data[k] = float32(k%7) - 3
		}
	}
	n := 0
	for i := range p.Len() {
		_, t := p.At(i)
		n += t.Len()
	}
	b.SetBytes(int64(4 * n))
	b.ReportAllocs()
	for b.Loop() {
		if err := opt.Step(p, g); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAdamConv4(b *testing.B) {
	p := conv4()
	benchStep(b, NewAdam(p, AdamConfig{WeightDecay: 1e-4}), p)
}

func BenchmarkSGDMomentumConv4(b *testing.B) {
	p := conv4()
	benchStep(b, NewSGD(p, SGDConfig{Momentum: 0.9}), p)
}

func BenchmarkSGDConv4(b *testing.B) {
	p := conv4()
	benchStep(b, NewSGD(p, SGDConfig{}), p)
}
