package trainer

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"metaglot/core/learner"
	"metaglot/core/nn"
	"metaglot/core/tensor"
	"metaglot/wasm/trainer/protocol"
)

// TestConv4S2Run: the Train view's worker trains a conv4s2 model (the
// form's Network setting, modelfile.Config.Net) for FOMAML and ProtoNet:
// a FOMAML head of 5×256, snapshots of 256-d embeddings, a weights file
// that says net conv4s2 and reads back as conv4s2; and a run never starts
// one network from the other's weights (they share their tensors), which
// is refused naming the net.
func TestConv4S2Run(t *testing.T) {
	ds := loadData(t)
	for _, a := range []string{"fomaml", "protonet"} {
		t.Run(a, func(t *testing.T) {
			tr := newTrainer(t, ds)
			c := small(a)
			c.Net, c.Episodes = "conv4s2", 3
			if a == "fomaml" {
				c.MetaBatch, c.InnerSteps = 1, 1
			}
			if err := tr.Start(c, "", nil); err != nil {
				t.Fatal(err)
			}
			for tr.State() == protocol.Running {
				if _, _, err := tr.Step(); err != nil {
					t.Fatal(err)
				}
			}
			w := tr.Current()
			if a == "fomaml" {
				if h := w.Params.Get("head.weight"); h == nil || h.Shape[0] != 5 || h.Shape[1] != nn.Conv4S2EmbeddingDim {
					t.Fatalf("conv4s2 FOMAML head %v, want 5×256", h)
				}
			}
			// The snapshot embeds with conv4s2: with Conv4 the head would
			// not fit (FOMAML), and the points would be other ones.
			s, err := tr.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Points) == 0 {
				t.Fatal("snapshot without points")
			}
			if a == "protonet" {
				checkSpread(t, s, w.Params)
			}
			b, err := tr.Weights()
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseWeights(b)
			if err != nil {
				t.Fatal(err)
			}
			if back.Net != "conv4s2" || back.Config == nil || back.Config.Net != "conv4s2" || !sameValues(back.Params, w.Params) {
				t.Fatalf("weights file read back: net %q, config %+v", back.Net, back.Config)
			}
			// Loaded, they continue as conv4s2; a conv4 run refuses them.
			if _, err := tr.Load(b); err != nil {
				t.Fatal(err)
			}
			c4 := small(a)
			err = tr.Start(c4, protocol.InitCurrent, nil)
			var fe *protocol.FieldError
			if !errors.As(err, &fe) || fe.Field != "net" || !strings.Contains(fe.Msg, "conv4s2") {
				t.Errorf("conv4 run from conv4s2 weights: %v, want a net error naming conv4s2", err)
			}
			c.Episodes = 4
			if err := tr.Start(c, protocol.InitCurrent, nil); err != nil {
				t.Fatalf("conv4s2 run from conv4s2 weights: %v", err)
			}
			if !sameValues(tr.Current().Params, back.Params) {
				t.Error("conv4s2 run from the current weights does not start from them")
			}
		})
	}
	// Conv4 weights (a bundled model) do not start a conv4s2 run either.
	c := small("protonet")
	c.Net = "conv4s2"
	conv4 := &Weights{Params: nn.NewConv4Params(rand.New(rand.NewPCG(1, 1))), Algo: "protonet"}
	err := newTrainer(t, ds).Start(c, protocol.InitBundled, conv4)
	var fe *protocol.FieldError
	if !errors.As(err, &fe) || fe.Field != "net" || !strings.Contains(fe.Msg, "conv4 network") {
		t.Errorf("conv4s2 run from Conv4 weights: %v, want a net error", err)
	}
}

// TestConv4S2Workers: a conv4s2 FOMAML or Reptile run started as the page
// starts it (CmdStart's config, with its net) and split between two
// workers trains the very weights of one worker: the helper workers build
// the conv4s2 network from the config too (with Conv4 they would compute
// other gradients, or fail on the 256-wide head).
func TestConv4S2Workers(t *testing.T) {
	for _, name := range []string{"fomaml", "reptile"} {
		c := small(name)
		c.Net, c.MetaBatch = "conv4s2", 2
		_, want := runLoop(t, c, 1, 2, nil)
		made := 0
		st, got := runLoop(t, c, 2, 2, localShards(&made))
		if st.Workers != 2 || made != 1 || got != want {
			t.Errorf("conv4s2 %s in 2 workers: %+v, %d helpers, weights %s, in one worker %s", name, st, made, got, want)
		}
		c4 := c
		c4.Net = ""
		if _, other := runLoop(t, c4, 1, 2, nil); other == want {
			t.Errorf("conv4s2 %s trained the weights of Conv4", name)
		}
	}
}

// checkSpread checks that a ProtoNet snapshot's points are the PCA of
// nn.Conv4S2's embeddings of its episode (support, prototypes, queries):
// the two components hold the fraction Explained of the total variance,
// so the points' summed squares over Explained are the embeddings' summed
// squared deviations from their mean in all 256 dimensions, computed here
// from the snapshot's images without the trainer. Conv4's 64-d embeddings
// of the same images spread otherwise.
func checkSpread(t *testing.T, s *protocol.Snapshot, params *tensor.Set) {
	t.Helper()
	const px = nn.ImageSize * nn.ImageSize
	embed := func(b []byte) []float32 {
		x := tensor.New(len(b)/px, 1, nn.ImageSize, nn.ImageSize)
		for i, v := range b {
			x.Data[i] = float32(v) / 255
		}
		e, err := nn.NewConv4S2(nil).Forward(params, x, false)
		if err != nil {
			t.Fatal(err)
		}
		return append([]float32(nil), e.Data...)
	}
	const d = nn.Conv4S2EmbeddingDim
	sup, qry := embed(s.Support), embed(s.Queries)
	var rows [][]float64
	for i := range len(sup) / d {
		rows = append(rows, f64(sup[i*d:(i+1)*d]))
	}
	for k := range s.Way {
		p := make([]float64, d)
		for i := k * s.Shot; i < (k+1)*s.Shot; i++ {
			for j := range d {
				p[j] += float64(sup[i*d+j]) / float64(s.Shot)
			}
		}
		rows = append(rows, p)
	}
	for i := range len(qry) / d {
		rows = append(rows, f64(qry[i*d:(i+1)*d]))
	}
	mean := make([]float64, d)
	for _, r := range rows {
		for j, v := range r {
			mean[j] += v / float64(len(rows))
		}
	}
	var full, plane float64
	for _, r := range rows {
		for j, v := range r {
			full += (v - mean[j]) * (v - mean[j])
		}
	}
	n := 0
	for _, p := range s.Points {
		if p.Kind != protocol.UserPoint {
			plane += float64(p.X)*float64(p.X) + float64(p.Y)*float64(p.Y)
			n++
		}
	}
	if n != len(rows) || s.Explained <= 0 {
		t.Fatalf("snapshot: %d points, explained %v; want %d points", n, s.Explained, len(rows))
	}
	if got := plane / s.Explained; math.Abs(got-full) > 1e-3*full {
		t.Errorf("snapshot points spread %v over all dimensions, conv4s2's embeddings %v", got, full)
	}
}

func f64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// TestCompareConv4S2: the Learn view's comparison measures conv4s2
// weights with their own network, also when the file's recipe is not
// known (Config nil: the learner's quick settings, the weights' net).
func TestCompareConv4S2(t *testing.T) {
	clk := &clock{t: time.Unix(0, 0), step: time.Millisecond}
	tr, err := New(loadData(t), nil, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	l := NewLoop(tr, clk.now)
	l.Bundled = func(string) (*Weights, error) {
		return &Weights{Params: learner.Conv4S2.NewHeadNetParams(rand.New(rand.NewPCG(3, 3)), 5), Algo: "fomaml", Way: 5, Net: "conv4s2"}, nil
	}
	final, _ := runCompare(t, l, protocol.CompareRequest{Algos: []string{"fomaml"}, Way: 5, Shot: 1, Query: 1, Episodes: 2, Seed: 1})
	if r := final["fomaml"]; r == nil || r.Err != "" || r.Done != 2 {
		t.Errorf("compare of conv4s2 FOMAML weights: %+v", r)
	}
}
