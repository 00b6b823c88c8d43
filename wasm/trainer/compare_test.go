package trainer

import (
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"metaglot/core/algo"
	"metaglot/core/episode"
	"metaglot/core/learner"
	"metaglot/core/train"
	"metaglot/wasm/trainer/protocol"
)

func bundledFromAssets(name string) (*Weights, error) {
	data, err := os.ReadFile("../../assets/models/" + name + ".safetensors")
	if err != nil {
		return nil, err
	}
	return ParseWeights(data)
}

// runCompare sends a compare command and works until the job is done,
// returning the final result of each algorithm (and how many progress
// results came before).
func runCompare(t *testing.T, l *Loop, r protocol.CompareRequest) (final map[string]*protocol.CompareResult, progress int) {
	t.Helper()
	ev := roundTrip(t, l.Handle(protocol.Command{Type: protocol.CmdCompare, Compare: &r}))
	if len(ev) != 0 || !l.Busy() {
		t.Fatalf("compare %+v: events %+v, busy %v", r, ev, l.Busy())
	}
	final = map[string]*protocol.CompareResult{}
	for i := 0; l.Busy(); i++ {
		if i > 10000 {
			t.Fatal("the compare job never ends")
		}
		for _, e := range roundTrip(t, l.Work(time.Millisecond)) {
			if e.Type != protocol.EvCompare || e.Compared == nil {
				t.Fatalf("event %+v during a compare", e)
			}
			c := e.Compared
			if c.Done == c.Episodes || c.Err != "" {
				final[c.Algo] = c
			} else {
				progress++
			}
		}
	}
	return final, progress
}

// TestCompare: each bundled model on the same held-out episodes, as
// metaglot eval measures them (each query on its own), with its 95%
// confidence interval; a learned head of another size classifies from
// its prototype head, and says so.
func TestCompare(t *testing.T) {
	ds := loadData(t)
	clk := &clock{t: time.Unix(0, 0), step: time.Millisecond}
	tr, err := New(ds, nil, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	l := NewLoop(tr, clk.now)
	l.Bundled = bundledFromAssets
	req := protocol.CompareRequest{Algos: []string{"protonet", "fomaml", "nosuch"}, Way: 3, Shot: 1, Query: 5, Episodes: 4, Seed: 9}
	if ev := l.Handle(protocol.Command{Type: protocol.CmdCompare, Compare: &req}); len(ev) != 1 || ev[0].Type != protocol.EvError || l.Busy() {
		t.Fatalf("unknown algorithm: %+v", ev)
	}
	req.Algos = req.Algos[:2]
	final, progress := runCompare(t, l, req)
	if progress == 0 {
		t.Error("no progress before the end (the fake clock ends a slice after every episode)")
	}
	// ProtoNet's figure, recomputed here on the same episodes.
	w, _ := bundledFromAssets("protonet")
	spec, _ := algo.Lookup("protonet")
	pl, err := spec.New(*w.Config, w.Params, nil)
	if err != nil {
		t.Fatal(err)
	}
	split, _ := ds.Split(TestSplit)
	s, err := episode.NewSampler(ds, split, episode.Config{Way: 3, Shot: 1, Query: 5}, rand.New(rand.NewPCG(9, 0)))
	if err != nil {
		t.Fatal(err)
	}
	var accs []float64
	var ep episode.Episode
	for range 4 {
		s.SampleInto(&ep)
		a, err := learner.AccuracyOf(pl, train.TaskOf(&ep), learner.OneAtATime)
		if err != nil {
			t.Fatal(err)
		}
		accs = append(accs, a)
	}
	mean, ci := learner.MeanCI95(accs)
	p := final["protonet"]
	if p == nil || p.Err != "" || p.Done != 4 || math.Abs(p.Accuracy-100*mean) > 1e-9 || math.Abs(p.CI95-100*ci) > 1e-9 {
		t.Errorf("protonet %+v, want %.2f ± %.2f", p, 100*mean, 100*ci)
	}
	f := final["fomaml"]
	if f == nil || f.Err != "" || f.Done != 4 || f.Accuracy < 0 || f.Accuracy > 100 || !strings.Contains(f.Note, "prototype head") {
		t.Errorf("fomaml (5-way head, 3-way episodes) %+v", f)
	}

	// Refused: bad sizes, and while a run trains.
	for _, bad := range []protocol.CompareRequest{
		{Algos: []string{"protonet"}, Way: 1, Shot: 1, Query: 1, Episodes: 1},
		{Algos: []string{"protonet"}, Way: 5, Shot: 10, Query: 11, Episodes: 1},
		{Algos: []string{"protonet"}, Way: 5, Shot: 1, Query: 1, Episodes: 0},
		{Algos: []string{"protonet"}, Way: 5, Shot: 1, Query: 1, Episodes: MaxCompareEpisodes + 1},
	} {
		if ev := l.Handle(protocol.Command{Type: protocol.CmdCompare, Compare: &bad}); len(ev) != 1 || ev[0].Type != protocol.EvError || !strings.HasPrefix(ev[0].Msg, "compare: ") {
			t.Errorf("%+v: %+v", bad, ev)
		}
	}
	c := small("protonet")
	if ev := l.Handle(protocol.Command{Type: protocol.CmdStart, Config: &c}); ev[0].Type != protocol.EvState {
		t.Fatalf("start: %+v", ev)
	}
	if ev := l.Handle(protocol.Command{Type: protocol.CmdCompare, Compare: &req}); len(ev) != 1 || !strings.Contains(ev[0].Msg, "training run is going") {
		t.Errorf("compare while training: %+v", ev)
	}
}
