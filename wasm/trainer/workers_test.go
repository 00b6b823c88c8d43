package trainer

import (
	"strings"
	"testing"
	"time"

	"metaglot/core/modelfile"
	"metaglot/core/train"
	"metaglot/wasm/trainer/protocol"
)

// localShards gives a Trainer in-process helpers (train.LocalShard: the
// helper workers' messages, computed on goroutines) and counts them.
func localShards(made *int) func(n int) ([]train.Shard, error) {
	return func(n int) ([]train.Shard, error) {
		*made += n
		s := make([]train.Shard, n)
		for i := range s {
			s[i] = train.NewLocalShard()
		}
		return s, nil
	}
}

// runLoop starts c through a Loop asking for workers and trains steps
// meta-steps; it returns the start's state event and the weights' digest.
func runLoop(t *testing.T, c modelfile.Config, workers, steps int, shards func(int) ([]train.Shard, error)) (protocol.Event, string) {
	t.Helper()
	clk := &clock{t: time.Unix(0, 0), step: time.Millisecond}
	tr, err := New(loadData(t), nil, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	tr.Shards = shards
	l := NewLoop(tr, clk.now)
	ev := roundTrip(t, l.Handle(protocol.Command{Type: protocol.CmdStart, Config: &c, Workers: workers}))
	if len(ev) != 1 || ev[0].Type != protocol.EvState {
		t.Fatalf("start: %+v", ev)
	}
	for range steps {
		if _, _, err := tr.Step(); err != nil {
			t.Fatal(err)
		}
	}
	return ev[0], train.Digest(tr.Current().Params)
}

// A FOMAML or Reptile run asked to train in 2 or 3 workers splits its
// meta-batches between them and trains bit-identical weights to a run in
// one worker; the start says how many workers and how the tasks are
// shared.
func TestWorkersSplitMetaBatch(t *testing.T) {
	for _, name := range []string{"fomaml", "reptile"} {
		c := small(name)
		c.MetaBatch = 4
		_, want := runLoop(t, c, 1, 3, nil)
		for _, workers := range []int{2, 3} {
			made := 0
			st, got := runLoop(t, c, workers, 3, localShards(&made))
			if st.Workers != workers || made != workers-1 || !strings.Contains(st.Msg, "workers") {
				t.Errorf("%s, %d workers: state event %+v, %d helpers made", name, workers, st, made)
			}
			if got != want {
				t.Errorf("%s in %d workers: weights %s, in one worker %s", name, workers, got, want)
			}
		}
	}
	// More workers than tasks: one per task.
	c := small("fomaml")
	c.MetaBatch = 2
	made := 0
	st, _ := runLoop(t, c, 4, 1, localShards(&made))
	if st.Workers != 2 || made != 1 || !strings.Contains(st.Msg, "(4 asked for)") {
		t.Errorf("meta-batch 2 in 4 workers: %+v, %d helpers", st, made)
	}
}

// ProtoNet trains in one worker whatever is asked, and the page is told
// why; so does a meta-batch of one task.
func TestWorkersOneWhenNotSplittable(t *testing.T) {
	made := 0
	st, _ := runLoop(t, small("protonet"), 3, 1, localShards(&made))
	if st.Workers != 1 || made != 0 || !strings.Contains(st.Msg, "BatchNorm") {
		t.Errorf("protonet in 3 workers: %+v, %d helpers", st, made)
	}
	c := small("reptile")
	c.MetaBatch = 1
	st, _ = runLoop(t, c, 2, 1, localShards(&made))
	if st.Workers != 1 || made != 0 || !strings.Contains(st.Msg, "one task") {
		t.Errorf("reptile meta-batch 1 in 2 workers: %+v, %d helpers", st, made)
	}
	st, _ = runLoop(t, small("fomaml"), 1, 1, localShards(&made))
	if st.Workers != 1 || made != 0 || strings.Contains(st.Msg, "worker") {
		t.Errorf("fomaml in 1 worker: %+v, %d helpers", st, made)
	}
}

// A number of workers out of range is refused, naming the setting.
func TestWorkersRefused(t *testing.T) {
	tr := newTrainer(t, loadData(t))
	l := NewLoop(tr, time.Now)
	c := small("fomaml")
	ev := l.Handle(protocol.Command{Type: protocol.CmdStart, Config: &c, Workers: protocol.MaxWorkers + 1})
	if len(ev) != 1 || ev[0].Type != protocol.EvInvalid || ev[0].Field != "workers" || tr.State() != protocol.Idle {
		t.Errorf("start with %d workers: %+v", protocol.MaxWorkers+1, ev)
	}
}
