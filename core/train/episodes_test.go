package train_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"metaglot/core/episode"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/train"
)

// Validation spread over several learners (train.ForEpisodes) gives the
// figures of one learner running the episodes in turn, whatever the number
// of learners: 5 episodes leave a chunk short for 2, and 6 learners are
// more than there are episodes.
func TestValidateAnyWorkers(t *testing.T) {
	d := synthetic(t)
	for _, tc := range []struct{ name, bn string }{
		{"protonet", ""},
		{"fomaml", "transductive"},
		{"reptile", "support"},
		{"mann", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := config(t, tc.name, func(c *modelfile.Config) {
				c.BN, c.MetaBatch, c.Episodes, c.ValEvery, c.ValEpisodes = tc.bn, 2, 2, 2, 5
				if c.AdaptSteps > 0 {
					c.AdaptSteps = 2
				}
			})
			r := newRun(t, c, d, 0)
			finish(t, r)
			want, err := r.Validate()
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []int{2, 6} {
				r.SetValidationWorkers(n)
				got, err := r.Validate()
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("%d learners: %+v, want %+v (one learner)", n, got, want)
				}
			}
			t.Logf("%+v", want)
		})
	}
}

// ForEpisodes draws the episodes in order on the caller's goroutine, hands
// episode i's task to do as i, and reports the lowest failing episode.
func TestForEpisodes(t *testing.T) {
	d := synthetic(t)
	s, err := episode.NewSampler(d.Dataset, d.Test, episode.Config{Way: 3, Shot: 1, Query: 2}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	ls := make([]learner.Learner, 3)
	var order []int
	sums := make([]float32, 8)
	next := func(i int, ep *episode.Episode) error {
		order = append(order, i)
		s.SampleInto(ep)
		sums[i] = sum(ep.Support().Data)
		return nil
	}
	got := make([]float32, 8)
	err = train.ForEpisodes(ls, 8, next, func(_ learner.Learner, i int, t *learner.Task) error {
		got[i] = sum(t.Support.Data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		if order[i] != i || got[i] != sums[i] {
			t.Fatalf("drawn %v, support sums %v, want 0…7 in order and %v", order, got, sums)
		}
	}
	boom := errors.New("boom")
	err = train.ForEpisodes(ls, 8, next, func(_ learner.Learner, i int, _ *learner.Task) error {
		if i == 4 || i == 5 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "episode 4") {
		t.Errorf("error %v, want episode 4's", err)
	}
	if err := train.ForEpisodes(nil, 1, next, nil); err == nil {
		t.Error("no learners: no error")
	}
}

func sum(x []float32) float32 {
	var s float32
	for _, v := range x {
		s += v
	}
	return s
}

// BenchmarkValidate times a held-out validation of a small Reptile
// (5-way, 10 steps) run on one learner and spread over 2 (ForEpisodes).
// The spread one is faster only with as many CPUs free.
func BenchmarkValidate(b *testing.B) {
	d := synthetic(b)
	c := config(b, "reptile", func(c *modelfile.Config) {
		c.Way, c.MetaBatch, c.Episodes, c.ValEvery, c.ValEpisodes, c.AdaptSteps = 5, 1, 1, 1, 8, 10
	})
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", n), func(b *testing.B) {
			r := newRun(b, c, d, 0)
			r.SetValidationWorkers(n)
			for b.Loop() {
				if _, err := r.Validate(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
