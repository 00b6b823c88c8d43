package train_test

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"metaglot/core/algo"
	"metaglot/core/episode"
	"metaglot/core/learner"
	"metaglot/core/maml"
	"metaglot/core/modelfile"
	"metaglot/core/omniglot"
	"metaglot/core/reptile"
	"metaglot/core/tensor"
	"metaglot/core/train"
)

var (
	_ learner.TaskSplitter = (*maml.Learner)(nil)
	_ learner.TaskSplitter = (*reptile.Learner)(nil)
)

// splitRun returns a Run of c from fresh parameters whose meta-steps are
// split over the learner and shards in-process shards (LocalShard: the
// page's messages, computed on goroutines).
func splitRun(t *testing.T, c modelfile.Config, d train.Data, shards int) *train.Run {
	t.Helper()
	p, err := train.InitParams(c)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := algo.Lookup(c.Algo)
	l, err := s.New(c, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	cj, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var sh []train.Shard
	for range shards {
		sh = append(sh, train.NewLocalShard())
	}
	sl, err := train.NewSplit(l, cj, sh)
	if err != nil {
		t.Fatal(err)
	}
	r, err := train.New(c, sl, d, 0)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A split meta-step gives the same parameters as an unsplit one, bit for
// bit, whatever the number of workers (the tasks' contributions are
// computed as the unsplit step computes them and combined in task order),
// including uneven ranges and more workers than tasks; the optimizer
// state and the step's metrics agree too.
func TestSplitIsExact(t *testing.T) {
	d := synthetic(t)
	cases := []struct {
		name   string
		edit   func(*modelfile.Config)
		batch  int
		shards []int // even ranges, uneven ones, more workers than tasks
	}{
		{"fomaml", nil, 4, []int{1, 3}},
		{"fomaml", nil, 5, []int{2, 6}},
		{"fomaml", func(c *modelfile.Config) { c.ProtoHead = true; c.Way = 4 }, 5, []int{1}},
		{"fomaml", func(c *modelfile.Config) { c.BN = "transductive"; c.InnerSteps = 2 }, 4, []int{2}},
		{"reptile", nil, 4, []int{1}},
		{"reptile", nil, 5, []int{3}},
	}
	for _, tc := range cases {
		batch := tc.batch
		c := config(t, tc.name, func(c *modelfile.Config) {
			c.MetaBatch, c.Episodes = batch, 3*batch
			if tc.edit != nil {
				tc.edit(c)
			}
		})
		whole := newRun(t, c, d, 0)
		var want []train.Metric
		for !whole.Finished() {
			m, err := whole.Step()
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, m)
		}
		for _, shards := range tc.shards {
			r := splitRun(t, c, d, shards)
			for i := 0; !r.Finished(); i++ {
				m, err := r.Step()
				if err != nil {
					t.Fatalf("%s batch %d, %d shards: %v", tc.name, batch, shards, err)
				}
				if m != want[i] {
					t.Errorf("%s batch %d, %d shards, step %d: metrics %+v, unsplit %+v", tc.name, batch, shards, i, m, want[i])
				}
			}
			what := tc.name + " split"
			if got, w := train.Digest(r.Learner().Params()), train.Digest(whole.Learner().Params()); got != w {
				equalSets(t, what, r.Learner().Params(), whole.Learner().Params())
				t.Fatalf("%s: digest %s, unsplit %s", what, got, w)
			}
			equalSets(t, what+" optimizer state", r.Learner().OptimState(), whole.Learner().OptimState())
		}
	}
}

// With no shards NewSplit returns the learner itself (one worker is
// today's path), and the golden runs of testdata/bitid.json give their
// recorded digests when split over 2 and 3 workers.
func TestSplitMatchesBitIDGolden(t *testing.T) {
	p, _ := train.InitParams(config(t, "fomaml", nil))
	s, _ := algo.Lookup("fomaml")
	l, _ := s.New(config(t, "fomaml", nil), p, nil)
	if same, err := train.NewSplit(l, nil, nil); err != nil || same != l {
		t.Fatalf("NewSplit with no shards = %v, %v; want the learner itself", same, err)
	}

	g, err := train.ReadBitID(bitIDFile)
	if err != nil {
		t.Fatal(err)
	}
	want, kernel, ok := g.Want()
	if !ok {
		t.Skipf("no digests for the %s kernel in %s", kernel, bitIDFile)
	}
	ds, err := omniglot.LoadDir("../../assets/omniglot", "vinyals-trainval")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := ds.Split("vinyals-trainval")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range g.Configs {
		if c.Algo == "protonet" {
			continue
		}
		for _, shards := range []int{1, 2} {
			r := splitRun(t, c, train.Data{Dataset: ds, Train: tr}, shards)
			finish(t, r)
			if got := train.Digest(r.Learner().Params()); got != want[c.Algo] {
				t.Errorf("%s over %d workers (%s kernel): digest %s, golden %s", c.Algo, shards+1, kernel, got, want[c.Algo])
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no FOMAML or Reptile run in the golden file")
	}
}

// ProtoNet (one episode per step, BatchNorm over all its images) and the
// MANN (a meta-batch of sequences in lockstep) cannot be split; FOMAML and
// Reptile can.
func TestSplittable(t *testing.T) {
	for _, s := range algo.All() {
		c := config(t, s.Name, nil)
		p, err := train.InitParams(c)
		if err != nil {
			t.Fatal(err)
		}
		l, err := s.New(c, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := s.Name == "fomaml" || s.Name == "reptile"
		if got := train.Splittable(l); got != want {
			t.Errorf("%s: Splittable %v, want %v", s.Name, got, want)
		}
		if _, err := train.NewSplit(l, nil, []train.Shard{train.NewLocalShard()}); (err == nil) != want {
			t.Errorf("%s: NewSplit error %v", s.Name, err)
		}
	}
}

// failShard is a Shard whose work fails.
type failShard struct{}

func (f failShard) Start(train.ShardRequest) error { return nil }
func (f failShard) Wait([]*tensor.Set, []learner.Metrics) error {
	return train.DecodeShardResponse([]byte("nonsense"), nil, nil)
}

// A shard that fails, or a task that is malformed on a shard, fails the
// step and leaves the parameters as they were.
func TestSplitShardErrors(t *testing.T) {
	d := synthetic(t)
	c := config(t, "fomaml", func(c *modelfile.Config) { c.MetaBatch = 4 })
	p, _ := train.InitParams(c)
	s, _ := algo.Lookup("fomaml")
	l, _ := s.New(c, p, nil)
	cj, _ := json.Marshal(c)
	sl, err := train.NewSplit(l, cj, []train.Shard{failShard{}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := train.New(c, sl, d, 0)
	if err != nil {
		t.Fatal(err)
	}
	before := l.Params().Clone()
	if _, err := r.Step(); err == nil || !strings.Contains(err.Error(), "worker 2 of 2 (tasks 2 to 3)") {
		t.Errorf("step with a failing shard: %v, want an error naming worker 2 and its tasks", err)
	}
	equalSets(t, "after a failed split step", l.Params(), before)

	// A task the shard cannot compute (a 7-way task for a 3-way head):
	// its error comes back naming the task by its place in the meta-batch.
	r2 := splitRun(t, c, d, 1)
	l2 := r2.Learner()
	tasks := make([]*learner.Task, 4)
	for i := range tasks {
		tasks[i] = &learner.Task{Way: 3, Support: tensor.New(3, 1, 28, 28), SupportLabels: []int{0, 1, 2},
			Query: tensor.New(1, 1, 28, 28), QueryLabels: []int{0}}
	}
	tasks[3] = &learner.Task{Way: 7, Support: tensor.New(7, 1, 28, 28), SupportLabels: []int{0, 1, 2, 3, 4, 5, 6},
		Query: tensor.New(1, 1, 28, 28), QueryLabels: []int{6}}
	before = l2.Params().Clone()
	if _, err := l2.Step(tasks); err == nil || !strings.Contains(err.Error(), "task 3") {
		t.Errorf("step with a bad task on the shard: %v, want an error naming task 3", err)
	}
	equalSets(t, "after a failed split step", l2.Params(), before)
}

// Requests survive their messages; a server rebuilds its learner when the
// settings change; malformed messages are errors, not panics.
func TestShardMessages(t *testing.T) {
	d := synthetic(t)
	c := config(t, "reptile", func(c *modelfile.Config) { c.MetaBatch = 3 })
	p, _ := train.InitParams(c)
	cj, _ := json.Marshal(c)
	smp, err := episode.NewSampler(d.Dataset, d.Train, episode.Config{Way: c.Way, Shot: c.Shot, Query: c.Query}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	var ep episode.Episode
	smp.SampleInto(&ep)
	task := train.TaskOf(&ep)
	req := train.ShardRequest{Config: cj, Params: p, Tasks: []*learner.Task{task}, First: 2, Batch: 3}
	b, err := req.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := train.DecodeShardRequest(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.First != 2 || got.Batch != 3 || string(got.Config) != string(cj) || len(got.Tasks) != 1 {
		t.Fatalf("decoded %+v", got)
	}
	equalSets(t, "params", got.Params, p)
	gt := got.Tasks[0]
	if gt.Way != task.Way || !slices.Equal(gt.SupportLabels, task.SupportLabels) || !slices.Equal(gt.QueryLabels, task.QueryLabels) ||
		!equalFloats(gt.Support.Data, task.Support.Data) || !equalFloats(gt.Query.Data, task.Query.Data) {
		t.Fatal("the task changed on the way")
	}
	for _, cut := range []int{0, 3, 8, 20, len(b) / 2, len(b) - 1} {
		if _, err := train.DecodeShardRequest(b[:cut]); err == nil {
			t.Errorf("request cut to %d of %d bytes: no error", cut, len(b))
		}
	}
	if _, err := train.DecodeShardRequest(append(append([]byte{}, b...), 0, 0, 0, 0)); err == nil {
		t.Error("request with trailing bytes: no error")
	}

	var srv train.ShardServer
	resp := srv.Handle(b)
	out := []*tensor.Set{nil}
	s, _ := algo.Lookup("reptile")
	l, _ := s.New(c, p.Clone(), nil)
	out[0] = l.(learner.TaskSplitter).NewPart()
	m := make([]learner.Metrics, 1)
	if err := train.DecodeShardResponse(resp, out, m); err != nil {
		t.Fatal(err)
	}
	// The same request computed here.
	want := []*tensor.Set{l.(learner.TaskSplitter).NewPart()}
	wm := make([]learner.Metrics, 1)
	if err := l.(learner.TaskSplitter).TaskParts([]*learner.Task{task}, 2, 3, want, wm); err != nil {
		t.Fatal(err)
	}
	equalSets(t, "shard's φ", out[0], want[0])
	if m[0] != wm[0] {
		t.Errorf("shard's metrics %+v, here %+v", m[0], wm[0])
	}
	if err := train.DecodeShardResponse(resp[:len(resp)-4], out, m); err == nil {
		t.Error("response cut short: no error")
	}

	// Another algorithm's settings: the server builds a new learner, and
	// refuses one whose steps cannot be split.
	pc := config(t, "protonet", nil)
	pj, _ := json.Marshal(pc)
	pp, _ := train.InitParams(pc)
	req.Config, req.Params = pj, pp
	b, _ = req.Encode()
	if err := train.DecodeShardResponse(srv.Handle(b), out, m); err == nil || !strings.Contains(err.Error(), "cannot be split") {
		t.Errorf("protonet request: %v, want an error saying it cannot be split", err)
	}
}

// FuzzDecodeShardRequest: no message makes the decoder panic, and one it
// accepts encodes back to itself.
func FuzzDecodeShardRequest(f *testing.F) {
	c := modelfile.Config{Algo: "fomaml"}
	cj, _ := json.Marshal(c)
	p := &tensor.Set{}
	p.Add("w", tensor.FromData([]float32{1, 2, 3, 4}, 2, 2))
	task := &learner.Task{Way: 2, Support: tensor.New(2, 1, 2, 2), SupportLabels: []int{0, 1}, Query: tensor.New(1, 1, 2, 2), QueryLabels: []int{1}}
	b, err := train.ShardRequest{Config: cj, Params: p, Tasks: []*learner.Task{task}, First: 0, Batch: 2}.Encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:12])
	f.Add([]byte("MGq1\x02\x00\x00\x00{}"))
	// A task of a huge way (a header that would make Check allocate it).
	huge := `{"config":{},"first":0,"batch":1,"params":[],"tasks":[{"way":1000000000000,"support":{"shape":[1,1,1,1]},"support_labels":[0],"image_shape":[1,1,1]}]}`
	f.Add(append(append([]byte("MGq1"), byte(len(huge)), byte(len(huge)>>8), 0, 0), append([]byte(huge), 0, 0, 0, 0)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := train.DecodeShardRequest(b)
		if err != nil {
			return
		}
		again, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		r2, err := train.DecodeShardRequest(again)
		if err != nil {
			t.Fatalf("re-encoded request refused: %v", err)
		}
		if train.Digest(r2.Params) != train.Digest(r.Params) || len(r2.Tasks) != len(r.Tasks) {
			t.Fatal("request changed on re-encoding")
		}
	})
}

func equalFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
