package nn_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"metaglot/core/gemm"
	"metaglot/core/nn"
	"metaglot/core/protonet"
	"metaglot/core/tensor"
)

// golden is testdata/golden.json, written by testdata/gen_golden.py with
// PyTorch (float64 on float32-rounded parameters and images).
type golden struct {
	Way, Shot, Query, Stride int
	Torch                    string
	Train, Eval              goldenMode
}

type goldenMode struct {
	Emb        []float64
	Loss, Acc  float64
	Grads      map[string][]float64
	GradAbsSum map[string]float64 `json:"grad_abs_sum"`
	Running    map[string][]float64
	RunningIn  map[string][]float64 `json:"running_in"`
}

// hashUniform is gen_golden.py's hash_uniform: count values
// lo + (hi-lo)·u, u = lowbias32(stream·0x9E3779B9 + k)/2³², rounded to
// float32. Integer arithmetic, so Go and Python agree exactly.
func hashUniform(stream, count int, lo, hi float64) []float32 {
	out := make([]float32, count)
	for k := range out {
		x := uint32(stream)*0x9E3779B9 + uint32(k)
		x ^= x >> 16
		x *= 0x7FEB352D
		x ^= x >> 15
		x *= 0x846CA68B
		x ^= x >> 16
		out[k] = float32(lo + (hi-lo)*(float64(x)/4294967296.0))
	}
	return out
}

// goldenParams returns the parameters gen_golden.py uses for mode.
func goldenParams(mode string, g *goldenMode) *tensor.Set {
	p := &tensor.Set{}
	base := 1000
	if mode == "eval" {
		base = 2000
	}
	for i := range nn.Blocks {
		cin := 64
		if i == 0 {
			cin = 1
		}
		bound := 1 / math.Sqrt(float64(cin*9))
		b := base + 10*i
		pre := fmt.Sprintf("encoder.%d.", i)
		p.Add(pre+"0.weight", tensor.FromData(hashUniform(b, 64*cin*9, -bound, bound), 64, cin, 3, 3))
		p.Add(pre+"0.bias", tensor.FromData(hashUniform(b+1, 64, -bound, bound), 64))
		p.Add(pre+"1.weight", tensor.FromData(hashUniform(b+2, 64, 0.75, 1.25), 64))
		p.Add(pre+"1.bias", tensor.FromData(hashUniform(b+3, 64, -0.2, 0.2), 64))
		p.Add(pre+"1.running_mean", tensor.FromData(hashUniform(b+4, 64, -0.1, 0.1), 64))
		p.Add(pre+"1.running_var", tensor.FromData(hashUniform(b+5, 64, 0.5, 1.5), 64))
	}
	for name, v := range g.RunningIn {
		t := p.Get(name)
		for j := range t.Data {
			t.Data[j] = float32(v[j])
		}
	}
	return p
}

func loadGolden(t *testing.T) *golden {
	t.Helper()
	b, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("testdata/golden.json: %v", err)
	}
	return &g
}

// comparer checks values against the reference: |got − want| ≤
// rel·|want| + abs·scale, where scale is the largest magnitude of the same
// kind (all gradients of the mode, or all embeddings).
type comparer struct {
	t        *testing.T
	rel, abs float64
	// worst is the largest |got − want|/|want| over the values with
	// |want| ≥ scale/100, for the log.
	worst     float64
	worstName string
}

func (c *comparer) check(name string, got, want []float64, scale float64) {
	c.t.Helper()
	if len(got) != len(want) {
		c.t.Errorf("%s: %d values, reference has %d", name, len(got), len(want))
		return
	}
	bad := 0
	for i := range want {
		d := math.Abs(got[i] - want[i])
		if math.Abs(want[i]) >= scale/100 {
			if r := d / math.Abs(want[i]); r > c.worst {
				c.worst, c.worstName = r, fmt.Sprintf("%s[%d]", name, i)
			}
		}
		if d > c.rel*math.Abs(want[i])+c.abs*scale {
			if bad < 3 {
				c.t.Errorf("%s[%d] = %.9g, PyTorch %.9g", name, i, got[i], want[i])
			}
			bad++
		}
	}
}

func maxAbs(vs ...[]float64) float64 {
	var m float64
	for _, v := range vs {
		for _, x := range v {
			m = math.Max(m, math.Abs(x))
		}
	}
	return m
}

func f64[T nn.Float](x []T) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

func strided(x []float64, stride int) []float64 {
	if len(x) <= 64 {
		return x
	}
	var out []float64
	for i := 0; i < len(x); i += stride {
		out = append(out, x[i])
	}
	return out
}

func absSum(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += math.Abs(v)
	}
	return s
}

// TestGoldenPyTorch compares Conv4 + the ProtoNet loss with PyTorch on a
// 2-way 2-shot 1-query episode, in training and inference mode.
//
// Tolerances, |got − want| ≤ rel·|want| + abs·scale (scale: the largest
// magnitude among the mode's gradients, or among its embeddings):
//
//   - float64 Conv4Of: rel 1e-9, abs 1e-12. Same arithmetic as PyTorch's
//     float64 up to summation order.
//   - float32 Conv4: rel 1e-4, abs 1e-5. The absolute part is needed
//     because some values are, in exact arithmetic, zero (the conv biases'
//     gradients in training mode: BatchNorm removes the mean) or the result
//     of cancellation (BatchNorm subtracts a mean, the loss subtracts
//     distances), where float32 leaves noise of order 1e-6·scale: PyTorch's
//     own float32 run of this script differs from its float64 run by up to
//     3e-6·scale on the gradients (3e-3 relative on values of 1e-3·scale).
func TestGoldenPyTorch(t *testing.T) {
	g := loadGolden(t)
	n := g.Way * (g.Shot + g.Query)
	x := tensor.FromData(hashUniform(1, n*nn.ImageSize*nn.ImageSize, 0, 1), n, 1, nn.ImageSize, nn.ImageSize)
	for _, mode := range []string{"train", "eval"} {
		ref := &g.Train
		if mode == "eval" {
			ref = &g.Eval
		}
		train := mode == "train"
		var refGrads []float64
		for _, v := range ref.Grads {
			refGrads = append(refGrads, v...)
		}
		gradScale := maxAbs(refGrads)
		embScale := maxAbs(ref.Emb)

		for _, prec := range []struct {
			name     string
			rel, abs float64
			run      func(p *tensor.Set) (emb []float64, m protonet.Metrics, grads, running map[string][]float64)
		}{
			{"float32", 1e-4, 1e-5, func(p *tensor.Set) ([]float64, protonet.Metrics, map[string][]float64, map[string][]float64) {
				pool := gemm.NewPool(2)
				defer pool.Close()
				m := nn.NewConv4(pool)
				emb, err := m.Forward(p, x, train)
				if err != nil {
					t.Fatal(err)
				}
				dEmb := tensor.New(emb.Shape...)
				met, err := protonet.Loss(nil, emb, g.Way, g.Shot, g.Query, dEmb)
				if err != nil {
					t.Fatal(err)
				}
				grads := nn.Trainable(p).ZerosLike()
				if err := m.Backward(p, dEmb, grads); err != nil {
					t.Fatal(err)
				}
				gm, rm := map[string][]float64{}, map[string][]float64{}
				for _, name := range grads.Names() {
					gm[name] = f64(grads.Get(name).Data)
				}
				for _, name := range p.Names() {
					if nn.IsBuffer(name) {
						rm[name] = f64(p.Get(name).Data)
					}
				}
				return f64(emb.Data), met, gm, rm
			}},
			{"float64", 1e-9, 1e-12, func(p *tensor.Set) ([]float64, protonet.Metrics, map[string][]float64, map[string][]float64) {
				var bp [nn.Blocks]nn.BlockParams[float64]
				var bg [nn.Blocks]nn.BlockGrads[float64]
				for i := range bp {
					get := func(s string) []float64 { return f64(p.Get(fmt.Sprintf("encoder.%d.%s", i, s)).Data) }
					bp[i] = nn.BlockParams[float64]{Weight: get("0.weight"), Bias: get("0.bias"), BNWeight: get("1.weight"),
						BNBias: get("1.bias"), RunningMean: get("1.running_mean"), RunningVar: get("1.running_var")}
					bg[i] = nn.BlockGrads[float64]{Weight: make([]float64, len(bp[i].Weight)), Bias: make([]float64, 64),
						BNWeight: make([]float64, 64), BNBias: make([]float64, 64)}
				}
				m := nn.NewConv4Of(nn.NaiveGemm[float64], nil)
				emb := m.Forward(&bp, f64(x.Data), n, train)
				dEmb := make([]float64, len(emb))
				var s protonet.Scratch[float64]
				met, err := protonet.LossOf(&s, emb, n, nn.EmbeddingDim, g.Way, g.Shot, g.Query, dEmb)
				if err != nil {
					t.Fatal(err)
				}
				m.Backward(&bp, dEmb, &bg)
				grads, running := map[string][]float64{}, map[string][]float64{}
				for i := range bp {
					pre := fmt.Sprintf("encoder.%d.", i)
					for _, f := range []struct {
						n string
						v []float64
					}{{"0.weight", bg[i].Weight}, {"0.bias", bg[i].Bias}, {"1.weight", bg[i].BNWeight}, {"1.bias", bg[i].BNBias}} {
						grads[pre+f.n] = f.v
					}
					running[pre+"1.running_mean"] = bp[i].RunningMean
					running[pre+"1.running_var"] = bp[i].RunningVar
				}
				return append([]float64(nil), emb...), met, grads, running
			}},
		} {
			t.Run(mode+"/"+prec.name, func(t *testing.T) {
				p := goldenParams(mode, ref)
				emb, met, grads, running := prec.run(p)
				c := &comparer{t: t, rel: prec.rel, abs: prec.abs}
				c.check("embeddings", emb, ref.Emb, embScale)
				c.check("loss", []float64{met.Loss}, []float64{ref.Loss}, 0)
				if met.Acc != ref.Acc {
					t.Errorf("accuracy %g, PyTorch %g", met.Acc, ref.Acc)
				}
				for name, want := range ref.Grads {
					got := grads[name]
					c.check(name+" gradient", strided(got, g.Stride), want, gradScale)
					c.check(name+" gradient Σ|g|", []float64{absSum(got)}, []float64{ref.GradAbsSum[name]}, gradScale)
				}
				for name, want := range ref.Running {
					c.check(name+" after the step", running[name], want, 0)
				}
				t.Logf("worst relative error %.2g at %s", c.worst, c.worstName)
			})
		}
	}
}
