package trainer

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/tensor"
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

// hungShard is a helper that takes requests and never answers: WaitFor
// returns as a browser's timer would once d has passed.
type hungShard struct {
	starts, closes int
	waited         []time.Duration
	err            error // when set, the helper fails with it instead (Wait)
}

func (h *hungShard) Start(train.ShardRequest) error { h.starts++; return nil }
func (h *hungShard) Wait([]*tensor.Set, []learner.Metrics) error {
	if h.err != nil {
		return h.err
	}
	select {} // never: Wait of a hung helper without a timeout
}
func (h *hungShard) WaitFor(_ []*tensor.Set, _ []learner.Metrics, d time.Duration) error {
	h.waited = append(h.waited, d)
	return fmt.Errorf("helper: %w after %s", ErrHelperTimeout, d)
}
func (h *hungShard) Close() { h.closes++ }

// timedOnly hides WaitFor and Close: a helper that can only fail.
type timedOnly struct{ train.Shard }

// A helper worker that hangs or fails does not stop the run: after the
// wait (HelperWait: 30 s at least) it is closed and never asked again,
// its tasks are computed in this worker, the weights stay bit-identical
// to a run in one worker, and the page is told, once, in a state event
// with one worker fewer.
func TestHelperGivenUp(t *testing.T) {
	c := small("fomaml")
	c.MetaBatch = 6
	const steps = 3
	_, want := runLoop(t, c, 1, steps, nil)
	for _, tc := range []struct {
		name  string
		bad   *hungShard
		shard func(h *hungShard) train.Shard
		msg   string
	}{
		{"hung", &hungShard{}, func(h *hungShard) train.Shard { return h }, "helper worker 3 was given up, it did not answer within 30s of this worker's part of a meta-step and may have hung"},
		{"failed", &hungShard{err: errors.New("a helper worker failed: out of memory")}, func(h *hungShard) train.Shard { return timedOnly{h} }, "helper worker 3 was given up, a helper worker failed: out of memory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := &clock{t: time.Unix(0, 0), step: time.Millisecond}
			tr, err := New(loadData(t), nil, clk.now)
			if err != nil {
				t.Fatal(err)
			}
			tr.Shards = func(n int) ([]train.Shard, error) {
				if n != 2 {
					t.Fatalf("%d helpers asked for, want 2", n)
				}
				return []train.Shard{train.NewLocalShard(), tc.shard(tc.bad)}, nil
			}
			l := NewLoop(tr, clk.now)
			if ev := l.Handle(protocol.Command{Type: protocol.CmdStart, Config: &c, Workers: 3}); len(ev) != 1 || ev[0].Workers != 3 {
				t.Fatalf("start: %+v", ev)
			}
			var notes []protocol.Event
			for range steps {
				for _, e := range roundTrip(t, l.Work(0)) {
					if e.Type == protocol.EvState {
						notes = append(notes, e)
					}
				}
			}
			if tr.Done() != steps*c.MetaBatch || tr.State() != protocol.Running {
				t.Fatalf("%d episodes done, state %s: the run did not go on", tr.Done(), tr.State())
			}
			if got := train.Digest(tr.Current().Params); got != want {
				t.Errorf("weights %s, in one worker %s", got, want)
			}
			if len(notes) != 1 || notes[0].State != protocol.Running || notes[0].Workers != 2 ||
				!strings.Contains(notes[0].Msg, tc.msg) || !strings.HasPrefix(notes[0].Msg, "in 2 workers from now on: ") || !strings.Contains(notes[0].Msg, "nothing trained is lost") {
				t.Errorf("state events %+v, want one saying %q and 2 workers", notes, tc.msg)
			}
			if tc.bad.starts != 1 {
				t.Errorf("the bad helper got %d requests, want 1 (never asked again)", tc.bad.starts)
			}
			if tc.name == "hung" && (tc.bad.closes != 1 || len(tc.bad.waited) != 1 || tc.bad.waited[0] != 30*time.Second) {
				t.Errorf("hung helper: closed %d times, waited %v (want once, 30s)", tc.bad.closes, tc.bad.waited)
			}
		})
	}
}

func TestHelperWaitLimit(t *testing.T) {
	for _, tc := range []struct {
		h     HelperWait
		local time.Duration
		want  time.Duration
	}{
		{HelperWait{}, time.Second, 30 * time.Second},
		{HelperWait{}, 3 * time.Second, time.Minute},
		{HelperWait{Min: time.Second, Factor: 2}, 100 * time.Millisecond, time.Second},
		{HelperWait{Min: time.Second, Factor: 2}, 4 * time.Second, 8 * time.Second},
	} {
		if got := tc.h.Limit(tc.local); got != tc.want {
			t.Errorf("%+v.Limit(%s) = %s, want %s", tc.h, tc.local, got, tc.want)
		}
	}
}
