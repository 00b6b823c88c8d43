package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"metaglot/core/tensor"
)

// golden mirrors testdata/golden.json, written by testdata/gen_golden.py
// from torch.optim (PyTorch 1.13).
type golden struct {
	Source string
	Cases  []goldenCase
}

type goldenCase struct {
	Name      string
	Optimizer string
	Config    struct {
		LR, Beta1, Beta2, Eps, WeightDecay, Momentum, Alpha float32
		Nesterov, Centered                                  bool
	}
	Params []struct {
		Name  string
		Shape []int
		Data  []float32
	}
	Steps []struct {
		LR     float32
		Grads  map[string][]float32
		Params map[string][]float32
	}
	State map[string][]float32
}

func loadGolden(t *testing.T) golden {
	t.Helper()
	b, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("testdata/golden.json: %v", err)
	}
	if len(g.Cases) == 0 {
		t.Fatal("testdata/golden.json has no cases")
	}
	return g
}

// optimizer is what the tests need of Adam, SGD and RMSProp.
type optimizer interface {
	Step(params, grads *tensor.Set) error
	SetLR(lr float32)
	LR() float32
	State() *tensor.Set
	LoadState(s *tensor.Set) error
}

// build returns the case's initial parameters and a fresh optimizer for them.
func (c *goldenCase) build(t *testing.T) (*tensor.Set, optimizer) {
	t.Helper()
	params := &tensor.Set{}
	for _, p := range c.Params {
		params.Add(p.Name, tensor.FromData(append([]float32(nil), p.Data...), p.Shape...))
	}
	cfg := c.Config
	switch c.Optimizer {
	case "adam":
		ac := AdamConfig{LR: cfg.LR, Beta1: cfg.Beta1, Beta2: cfg.Beta2, Eps: cfg.Eps, WeightDecay: cfg.WeightDecay}
		if c.Name == "adam_default" {
			ac = AdamConfig{} // the zero value must mean PyTorch's defaults
		}
		return params, NewAdam(params, ac)
	case "sgd":
		return params, NewSGD(params, SGDConfig{LR: cfg.LR, Momentum: cfg.Momentum, WeightDecay: cfg.WeightDecay, Nesterov: cfg.Nesterov})
	case "rmsprop":
		rc := RMSPropConfig{LR: cfg.LR, Alpha: cfg.Alpha, Eps: cfg.Eps, Momentum: cfg.Momentum, WeightDecay: cfg.WeightDecay, Centered: cfg.Centered}
		if c.Name == "rmsprop_default" {
			rc = RMSPropConfig{} // the zero value must mean PyTorch's defaults
		}
		return params, NewRMSProp(params, rc)
	}
	t.Fatalf("case %s: unknown optimizer %q", c.Name, c.Optimizer)
	return nil, nil
}

// grads returns step i's gradients in the parameters' order.
func (c *goldenCase) grads(params *tensor.Set, i int) *tensor.Set {
	g := &tensor.Set{}
	for j := range params.Len() {
		name, p := params.At(j)
		if d, ok := c.Steps[i].Grads[name]; ok {
			g.Add(name, tensor.FromData(d, p.Shape...))
		}
	}
	return g
}

const relTol = 1e-6

// compare fails t unless every got[k] is within relTol of want[k],
// relative to the larger of |want[k]| and |scale[k]| (scale may be nil).
// For a parameter, scale is its value before the step: p − η·d rounds
// relative to the larger of the two, so a step that cancels most of p
// (1.3 → 0.011) may differ from torch by an ulp of 1.3, not of 0.011.
// It returns the worst relative difference.
func compare(t *testing.T, what string, got, want, scale []float32) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", what, len(got), len(want))
		return 0
	}
	worst := 0.0
	for k := range got {
		ref := math.Abs(float64(want[k]))
		if scale != nil {
			ref = math.Max(ref, math.Abs(float64(scale[k])))
		}
		diff := math.Abs(float64(got[k]) - float64(want[k]))
		if diff > relTol*math.Max(ref, 1e-30) {
			t.Errorf("%s[%d] = %v, want %v (torch)", what, k, got[k], want[k])
		}
		if ref != 0 {
			worst = math.Max(worst, diff/ref)
		}
	}
	return worst
}

func TestMatchesTorch(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			params, opt := c.build(t)
			worst := 0.0
			prev := params.Clone()
			for i, s := range c.Steps {
				opt.SetLR(s.LR)
				if err := opt.Step(params, c.grads(params, i)); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				for name, want := range s.Params {
					what := fmt.Sprintf("step %d %s", i, name)
					worst = math.Max(worst, compare(t, what, params.Get(name).Data, want, prev.Get(name).Data))
					copy(prev.Get(name).Data, want)
				}
			}
			st := opt.State()
			for name, want := range c.State {
				got := st.Get(name)
				if got == nil {
					t.Errorf("State() lacks %q", name)
					continue
				}
				worst = math.Max(worst, compare(t, name, got.Data, want, nil))
			}
			t.Logf("worst relative difference from torch: %.3g", worst)
		})
	}
}

func TestAdamDefaults(t *testing.T) {
	var p tensor.Set
	p.Add("w", tensor.New(2))
	a := NewAdam(&p, AdamConfig{})
	want := AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	if got := a.Config(); got != want {
		t.Errorf("Config() = %+v, want %+v", got, want)
	}
	if got := NewSGD(&p, SGDConfig{}).LR(); got != 0.01 {
		t.Errorf("SGD default LR = %v, want 0.01", got)
	}
	wantR := RMSPropConfig{LR: 0.01, Alpha: 0.99, Eps: 1e-8}
	if got := NewRMSProp(&p, RMSPropConfig{}).Config(); got != wantR {
		t.Errorf("RMSProp Config() = %+v, want %+v", got, wantR)
	}
}

// TestResume checks that stopping after k steps, saving the state and the
// parameters, and continuing in a fresh optimizer from LoadState gives
// bit-for-bit the parameters of a run that never stopped.
func TestResume(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			full, opt := c.build(t)
			for i, s := range c.Steps {
				opt.SetLR(s.LR)
				if err := opt.Step(full, c.grads(full, i)); err != nil {
					t.Fatal(err)
				}
			}
			for k := 1; k < len(c.Steps); k++ {
				params, first := c.build(t)
				for i := range k {
					first.SetLR(c.Steps[i].LR)
					if err := first.Step(params, c.grads(params, i)); err != nil {
						t.Fatal(err)
					}
				}
				saved, state := params.Clone(), first.State()
				params, second := c.build(t)
				if err := params.CopyFrom(saved); err != nil {
					t.Fatal(err)
				}
				if err := second.LoadState(state); err != nil {
					t.Fatalf("LoadState after %d steps: %v", k, err)
				}
				for i := k; i < len(c.Steps); i++ {
					second.SetLR(c.Steps[i].LR)
					if err := second.Step(params, c.grads(params, i)); err != nil {
						t.Fatal(err)
					}
				}
				for j := range full.Len() {
					name, want := full.At(j)
					for e, v := range params.Get(name).Data {
						if v != want.Data[e] {
							t.Fatalf("stopped after %d steps: %s[%d] = %v, uninterrupted run has %v", k, name, e, v, want.Data[e])
						}
					}
				}
			}
		})
	}
}

func twoParams() *tensor.Set {
	var p tensor.Set
	p.Add("w", tensor.FromData([]float32{1, 2, 3, 4, 5, 6}, 2, 3))
	p.Add("b", tensor.FromData([]float32{-1, 0, 1}, 3))
	return &p
}

func optimizers(p *tensor.Set) map[string]optimizer {
	return map[string]optimizer{
		"adam":         NewAdam(p, AdamConfig{WeightDecay: 0.01}),
		"sgd":          NewSGD(p, SGDConfig{}),
		"sgd-momentum": NewSGD(p, SGDConfig{Momentum: 0.9, Nesterov: true}),
		"rmsprop":      NewRMSProp(p, RMSPropConfig{}),
		"rmsprop-all":  NewRMSProp(p, RMSPropConfig{Momentum: 0.9, Centered: true, WeightDecay: 0.01}),
	}
}

func TestStepErrorsChangeNothing(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(-1))
	cases := []struct {
		name   string
		params func() *tensor.Set
		grads  func() *tensor.Set
		want   []string // substrings of the error
	}{
		{"unknown name", twoParams, func() *tensor.Set {
			g := twoParams().ZerosLike()
			g.Add("extra", tensor.New(4))
			return g
		}, []string{`"extra"`, "[4]", "does not know"}},
		{"gradient shape", twoParams, func() *tensor.Set {
			var g tensor.Set
			g.Add("w", tensor.New(3, 2))
			return &g
		}, []string{`"w"`, "[3 2]", "[2 3]"}},
		{"parameter shape", func() *tensor.Set {
			var p tensor.Set
			p.Add("w", tensor.New(6))
			p.Add("b", tensor.New(3))
			return &p
		}, func() *tensor.Set { return twoParams().ZerosLike() }, []string{`"w"`, "[6]", "[2 3]"}},
		{"missing parameter", func() *tensor.Set {
			var p tensor.Set
			p.Add("w", tensor.New(2, 3))
			return &p
		}, func() *tensor.Set { return twoParams().ZerosLike() }, []string{`"b"`, "no parameter"}},
		{"NaN gradient", twoParams, func() *tensor.Set {
			g := twoParams().ZerosLike()
			g.Get("b").Data[2] = nan
			return g
		}, []string{`"b"`, "element 2", "NaN"}},
		{"Inf gradient", twoParams, func() *tensor.Set {
			g := twoParams().ZerosLike()
			g.Get("w").Data[5] = inf
			return g
		}, []string{`"w"`, "element 5", "-Inf"}},
	}
	for _, c := range cases {
		for kind, opt := range optimizers(twoParams()) {
			t.Run(c.name+"/"+kind, func(t *testing.T) {
				// One good step first, so that there are moments to protect.
				good := twoParams()
				grads := good.Clone()
				if err := opt.Step(good, grads); err != nil {
					t.Fatal(err)
				}
				before := opt.State()
				params := c.params()
				orig := params.Clone()
				err := opt.Step(params, c.grads())
				if err == nil {
					t.Fatal("Step succeeded, want an error")
				}
				for _, w := range c.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %s", err, w)
					}
				}
				sameSet(t, "params", params, orig)
				sameSet(t, "state", opt.State(), before)
			})
		}
	}
}

// sameSet fails t unless got holds exactly the values of want.
func sameSet(t *testing.T, what string, got, want *tensor.Set) {
	t.Helper()
	if err := got.Match(want); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	for i := range want.Len() {
		name, w := want.At(i)
		for k, v := range got.Get(name).Data {
			if v != w.Data[k] && !(v != v && w.Data[k] != w.Data[k]) {
				t.Errorf("%s %q[%d] changed from %v to %v", what, name, k, w.Data[k], v)
			}
		}
	}
}

func TestLoadStateErrorsChangeNothing(t *testing.T) {
	cases := []struct {
		name   string
		kind   string
		mutate func(s *tensor.Set) *tensor.Set
		want   string
	}{
		{"missing", "adam", func(s *tensor.Set) *tensor.Set { return without(s, "adam.v.b") }, `"adam.v.b"`},
		{"extra", "adam", func(s *tensor.Set) *tensor.Set { s.Add("adam.m.z", tensor.New(1)); return s }, `"adam.m.z"`},
		{"shape", "sgd-momentum", func(s *tensor.Set) *tensor.Set {
			var c tensor.Set
			for i := range s.Len() {
				n, x := s.At(i)
				if n == "sgd.momentum.w" {
					x = x.Reshape(3, 2)
				}
				c.Add(n, x)
			}
			return &c
		}, "[3 2]"},
		{"NaN", "sgd-momentum", func(s *tensor.Set) *tensor.Set {
			s.Get("sgd.momentum.b").Data[0] = float32(math.NaN())
			return s
		}, "sgd.momentum.b"},
		{"fractional step", "adam", func(s *tensor.Set) *tensor.Set { s.Get("adam.step.w").Data[0] = 0.5; return s }, `"adam.step.w"`},
		{"step beyond total", "adam", func(s *tensor.Set) *tensor.Set { s.Get("adam.step.b").Data[0] = 7; return s }, `"adam.step.b"`},
		{"negative v", "adam", func(s *tensor.Set) *tensor.Set { s.Get("adam.v.w").Data[1] = -1; return s }, `"adam.v.w" element 1`},
		{"negative mean square", "rmsprop-all", func(s *tensor.Set) *tensor.Set {
			s.Get("rmsprop.square_avg.b").Data[2] = -1
			return s
		}, `"rmsprop.square_avg.b" element 2`},
		{"missing momentum", "rmsprop-all", func(s *tensor.Set) *tensor.Set { return without(s, "rmsprop.momentum.w") }, `"rmsprop.momentum.w"`},
		{"fractional rmsprop step", "rmsprop", func(s *tensor.Set) *tensor.Set { s.Get("rmsprop.step").Data[0] = 1.5; return s }, `"rmsprop.step"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := twoParams()
			opt := optimizers(p)[c.kind]
			if err := opt.Step(p, p.Clone()); err != nil {
				t.Fatal(err)
			}
			before := opt.State()
			// A state with different values, then spoiled.
			other := optimizers(p)[c.kind]
			for range 3 {
				if err := other.Step(p, p.Clone()); err != nil {
					t.Fatal(err)
				}
			}
			err := opt.LoadState(c.mutate(other.State()))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("LoadState error %v, want one mentioning %s", err, c.want)
			}
			sameSet(t, "state", opt.State(), before)
		})
	}
}

// without returns the tensors of s but the one called name.
func without(s *tensor.Set, name string) *tensor.Set {
	var c tensor.Set
	for i := range s.Len() {
		if n, x := s.At(i); n != name {
			c.Add(n, x)
		}
	}
	return &c
}

// TestPartialStepLeavesOthers checks that a parameter without a gradient,
// and its state, do not change.
func TestPartialStepLeavesOthers(t *testing.T) {
	for kind, opt := range optimizers(twoParams()) {
		p := twoParams()
		if err := opt.Step(p, p.Clone()); err != nil {
			t.Fatal(err)
		}
		before, state := p.Clone(), opt.State()
		var g tensor.Set
		g.Add("w", tensor.FromData([]float32{1, 1, 1, 1, 1, 1}, 2, 3))
		if err := opt.Step(p, &g); err != nil {
			t.Fatal(err)
		}
		if p.Get("b").Data[0] != before.Get("b").Data[0] || p.Get("w").Data[0] == before.Get("w").Data[0] {
			t.Errorf("%s: a step with only w's gradient changed b or left w", kind)
		}
		after := opt.State()
		for i := range state.Len() {
			name, x := state.At(i)
			if strings.HasSuffix(name, ".b") && after.Get(name).Data[0] != x.Data[0] {
				t.Errorf("%s: %s changed without a gradient for b", kind, name)
			}
		}
	}
}

func TestConfigPanics(t *testing.T) {
	p := twoParams()
	bad := map[string]func(){
		"adam negative LR":   func() { NewAdam(p, AdamConfig{LR: -1}) },
		"adam Beta1 1":       func() { NewAdam(p, AdamConfig{Beta1: 1}) },
		"adam Beta2 NaN":     func() { NewAdam(p, AdamConfig{Beta2: float32(math.NaN())}) },
		"adam negative Eps":  func() { NewAdam(p, AdamConfig{Eps: -1}) },
		"adam SetLR Inf":     func() { NewAdam(p, AdamConfig{}).SetLR(float32(math.Inf(1))) },
		"sgd momentum 1":     func() { NewSGD(p, SGDConfig{Momentum: 1}) },
		"sgd nesterov alone": func() { NewSGD(p, SGDConfig{Nesterov: true}) },
		"sgd negative decay": func() { NewSGD(p, SGDConfig{WeightDecay: -0.1}) },
		"sgd SetLR negative": func() { NewSGD(p, SGDConfig{}).SetLR(-0.1) },
		"rmsprop Alpha 1":    func() { NewRMSProp(p, RMSPropConfig{Alpha: 1}) },
		"rmsprop momentum 1": func() { NewRMSProp(p, RMSPropConfig{Momentum: 1}) },
		"rmsprop Eps Inf":    func() { NewRMSProp(p, RMSPropConfig{Eps: float32(math.Inf(1))}) },
		"rmsprop SetLR NaN":  func() { NewRMSProp(p, RMSPropConfig{}).SetLR(float32(math.NaN())) },
	}
	for name, f := range bad {
		func() {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || !strings.HasPrefix(s, "optim: ") {
					t.Errorf("%s: recovered %v, want a panic prefixed \"optim: \"", name, r)
				}
			}()
			f()
		}()
	}
}

func TestStepDoesNotAllocate(t *testing.T) {
	p := twoParams()
	g := p.Clone()
	for kind, opt := range optimizers(p) {
		if n := testing.AllocsPerRun(100, func() {
			if err := opt.Step(p, g); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%s: Step allocates %v times per call", kind, n)
		}
	}
}
