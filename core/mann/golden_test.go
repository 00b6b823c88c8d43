package mann

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"metaglot/core/gemm"
)

// golden is testdata/golden.json, written by testdata/gen_golden.py with
// PyTorch autograd in float64 on float32-rounded parameters and inputs.
type golden struct {
	Torch  string
	Config struct {
		Pixels, Side, Classes, Units, Slots, Width, Heads int
		Gamma                                             float64
		Steps, Batch, Way                                 int
	}
	Params, Grads map[string][]float64
	Images        []float64 // batch × steps × pixels
	Labels        [][]int   // batch × steps
	Loss          float64
	Probs         []float64 // steps × batch × way
	Image28       []float64
	Pooled20      []float64
	// String is the same network with string labels (its own parameters
	// and episode; Labels are string labels' indices, Probs steps × batch
	// × 25 per-character probabilities).
	String *struct {
		Params, Grads map[string][]float64
		Images        []float64
		Labels        [][]int
		Loss          float64
		Probs         []float64
	}
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

// goldenNet builds a net of element type T with the reference's
// parameters and episode.
func goldenNet[T Float](t *testing.T, g *golden, gm Gemm[T]) *net[T] {
	return goldenNetOf(t, g, OneHot, g.Params, g.Images, g.Labels, gm)
}

// goldenNetOf builds a net of element type T with the reference's shapes,
// the label code labels, and the given parameters and episode.
func goldenNetOf[T Float](t *testing.T, g *golden, labels Labels, params map[string][]float64, images []float64, ys [][]int, gm Gemm[T]) *net[T] {
	gc := g.Config
	cfg := Config{Side: gc.Side, Classes: gc.Classes, Units: gc.Units, Slots: gc.Slots, Width: gc.Width, Heads: gc.Heads, Gamma: gc.Gamma, Labels: labels}.withDefaults()
	if cfg.pixels() != gc.Pixels {
		t.Fatalf("pixels %d, want %d", cfg.pixels(), gc.Pixels)
	}
	n := newNet(cfg, gm)
	names, shapes := cfg.shapes()
	for i, name := range names {
		v, ok := params[name]
		if !ok || len(v) != size(shapes[i]) {
			t.Fatalf("reference parameter %q: %d values, want %d", name, len(v), size(shapes[i]))
		}
		*n.w.list()[i] = conv[T](v)
		*n.g.list()[i] = make([]T, len(v))
	}
	S, B, P, X := gc.Steps, gc.Batch, gc.Pixels, cfg.direct()
	n.resize(S, B)
	n.resetState()
	for b := 0; b < B; b++ {
		for s := 0; s < S; s++ {
			q := s*B + b
			x := n.x[q*X : (q+1)*X]
			copy(x, conv[T](images[(b*S+s)*P:(b*S+s+1)*P]))
			prev := -1
			if s > 0 {
				prev = ys[b][s-1]
			}
			setLabel(labels, x[P:], prev)
			n.y[q], n.weight[q] = int32(ys[b][s]), T(1/float64(S*B))
		}
	}
	return n
}

func size(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

func conv[T, U Float](x []U) []T {
	out := make([]T, len(x))
	for i, v := range x {
		out[i] = T(v)
	}
	return out
}

// TestGoldenPyTorch compares a whole episode batch (2 sequences of 12
// steps, 3 of 4 classes, 3 heads, 10 slots: least-used slots cleared and
// rewritten several times) with PyTorch autograd: the probabilities at
// every step, the loss and every parameter's gradient.
//
// Tolerances, |got − want| ≤ rel·|want| + abs·scale, scale the largest
// magnitude of the kind (all gradients, or 1 for probabilities and the
// loss):
//
//   - float64: rel 1e-9, abs 1e-12. The same arithmetic up to summation
//     order.
//   - float32 (gemm's kernels, as in training): rel 1e-4, abs 1e-5, as for
//     Conv4 in core/nn. The measured worst relative error is 6e-7 (logged):
//     twelve steps of the recurrence keep float32 rounding (6e-8 per
//     operation) well inside the tolerance.
func TestGoldenPyTorch(t *testing.T) {
	g := loadGolden(t)
	var all []float64
	for _, v := range g.Grads {
		all = append(all, v...)
	}
	gradScale := maxAbs(all)
	t.Logf("reference from PyTorch %s; largest gradient %.3g", g.Torch, gradScale)
	run := func(name string, rel, abs float64, forward func() (float64, []float64), grads func(string) []float64) {
		t.Run(name, func(t *testing.T) {
			c := comparer{t: t, rel: rel, abs: abs}
			loss, probs := forward()
			c.check("loss", []float64{loss}, []float64{g.Loss}, 1)
			c.check("probs", probs, g.Probs, 1)
			for pname, want := range g.Grads {
				c.check(pname, grads(pname), want, gradScale)
			}
			t.Logf("worst relative error %.2g (%s)", c.worst, c.worstName)
		})
	}
	way := g.Config.Way
	n64 := goldenNet(t, g, Gemm[float64](gemm64))
	run("float64", 1e-9, 1e-12, func() (float64, []float64) {
		l := n64.forward(way)
		n64.backward()
		return l, probsOf(n64, way)
	}, func(name string) []float64 { return gradOf(n64, name) })
	n32 := goldenNet(t, g, Gemm[float32](gemm.NewWorkspace().Sgemm))
	run("float32", 1e-4, 1e-5, func() (float64, []float64) {
		l := n32.forward(way)
		n32.backward()
		return l, probsOf(n32, way)
	}, func(name string) []float64 { return gradOf(n32, name) })
}

func probsOf[T Float](n *net[T], way int) []float64 {
	var out []float64
	C := n.cfg.outputs()
	if n.cfg.Labels == String {
		way = C // every character's letters
	}
	for q := 0; q < n.steps*n.batch; q++ {
		out = append(out, conv[float64](n.probs[q*C:q*C+way])...)
	}
	return out
}

// TestGoldenPyTorchString is TestGoldenPyTorch for string labels (Santoro
// et al.'s Table 2 code): the same network with 25 label units in its
// input and output, five 5-way softmaxes, the loss the mean over steps of
// the sum of the five characters' cross-entropies, against PyTorch
// autograd on its own parameters and an episode of 4 strings per
// sequence. Same tolerances; the float32 run's worst relative error is
// logged.
func TestGoldenPyTorchString(t *testing.T) {
	g := loadGolden(t)
	r := g.String
	if r == nil {
		t.Fatal("testdata/golden.json has no string-label part: run testdata/gen_golden.py")
	}
	var all []float64
	for _, v := range r.Grads {
		all = append(all, v...)
	}
	gradScale := maxAbs(all)
	check := func(t *testing.T, rel, abs float64, loss float64, probs []float64, grads func(string) []float64) {
		c := comparer{t: t, rel: rel, abs: abs}
		c.check("loss", []float64{loss}, []float64{r.Loss}, 1)
		c.check("probs", probs, r.Probs, 1)
		for pname, want := range r.Grads {
			c.check(pname, grads(pname), want, gradScale)
		}
		t.Logf("worst relative error %.2g (%s)", c.worst, c.worstName)
	}
	t.Run("float64", func(t *testing.T) {
		n := goldenNetOf(t, g, String, r.Params, r.Images, r.Labels, Gemm[float64](gemm64))
		l := n.forward(0)
		n.backward()
		check(t, 1e-9, 1e-12, l, probsOf(n, 0), func(name string) []float64 { return gradOf(n, name) })
	})
	t.Run("float32", func(t *testing.T) {
		n := goldenNetOf(t, g, String, r.Params, r.Images, r.Labels, Gemm[float32](gemm.NewWorkspace().Sgemm))
		l := n.forward(0)
		n.backward()
		check(t, 1e-4, 1e-5, l, probsOf(n, 0), func(name string) []float64 { return gradOf(n, name) })
	})
}

func gradOf[T Float](n *net[T], name string) []float64 {
	names, _ := n.cfg.shapes()
	for i, nm := range names {
		if nm == name {
			return conv[float64](*n.g.list()[i])
		}
	}
	return nil
}

// TestGoldenDownscale: the 20×20 input is PyTorch's adaptive_avg_pool2d of
// the 28×28 image (float32 sums of at most 9 values: within 1e-6).
func TestGoldenDownscale(t *testing.T) {
	g := loadGolden(t)
	d := newDownscaler(20)
	got := make([]float64, 400)
	downscale(&d, got, conv[float32](g.Image28))
	c := comparer{t: t, rel: 1e-6, abs: 1e-7}
	c.check("pooled", got, g.Pooled20, 1)
}

// comparer checks values against the reference.
type comparer struct {
	t         *testing.T
	rel, abs  float64
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
	if bad > 0 {
		c.t.Errorf("%s: %d of %d values differ", name, bad, len(want))
	}
}

func maxAbs(v []float64) float64 {
	var m float64
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}
