package train_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"metaglot/core/algo"
	"metaglot/core/episode"
	"metaglot/core/episode/episodetest"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/tensor"
	"metaglot/core/train"
)

// BenchmarkShardMessages measures what splitting adds to a FOMAML
// meta-step of Finn et al.'s shape (5-way 1-shot 1-query tasks), per
// range of 16 tasks sent to a helper: encoding the request (the
// parameters and the tasks), decoding it, encoding the 16 gradients and
// decoding them. Compare with BenchmarkSplitTasks, the tasks' work.
func BenchmarkShardMessages(b *testing.B) {
	c, tasks, l := finnTasks(b, 16)
	cj, _ := json.Marshal(c)
	ts := l.(learner.TaskSplitter)
	parts := make([]*tensor.Set, len(tasks))
	for i := range parts {
		parts[i] = ts.NewPart()
	}
	m := make([]learner.Metrics, len(tasks))
	req := train.ShardRequest{Config: cj, Params: l.Params(), Tasks: tasks, First: 16, Batch: 32}
	b.ResetTimer()
	for range b.N {
		msg, err := req.Encode()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := train.DecodeShardRequest(msg); err != nil {
			b.Fatal(err)
		}
		resp := train.EncodeShardResponse(parts, m, nil)
		if err := train.DecodeShardResponse(resp, parts, m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSplitTasks is the work of 16 such tasks (TaskParts).
func BenchmarkSplitTasks(b *testing.B) {
	_, tasks, l := finnTasks(b, 16)
	ts := l.(learner.TaskSplitter)
	parts := make([]*tensor.Set, len(tasks))
	for i := range parts {
		parts[i] = ts.NewPart()
	}
	m := make([]learner.Metrics, len(tasks))
	b.ResetTimer()
	for range b.N {
		if err := ts.TaskParts(tasks, 0, 32, parts, m); err != nil {
			b.Fatal(err)
		}
	}
}

// finnTasks returns n 5-way 1-shot 1-query tasks of a synthetic data set
// and a FOMAML learner of Finn et al.'s settings.
func finnTasks(b *testing.B, n int) (c modelfile.Config, tasks []*learner.Task, l learner.Learner) {
	ds := &episodetest.Synthetic{Classes: 20, Items: 4, Channels: 1, Height: 28, Width: 28}
	ids := make([]int, 20)
	for i := range ids {
		ids[i] = i
	}
	sp, err := episode.NewSplit("train", ds, ids, 1)
	if err != nil {
		b.Fatal(err)
	}
	s, _ := algo.Lookup("fomaml")
	c = s.Defaults
	c.Query = 1
	smp, err := episode.NewSampler(ds, sp, episode.Config{Way: 5, Shot: 1, Query: 1}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		b.Fatal(err)
	}
	for range n {
		var ep episode.Episode
		smp.SampleInto(&ep)
		tasks = append(tasks, train.TaskOf(&ep))
	}
	p, err := train.InitParams(c)
	if err != nil {
		b.Fatal(err)
	}
	if l, err = s.New(c, p, nil); err != nil {
		b.Fatal(err)
	}
	return c, tasks, l
}
