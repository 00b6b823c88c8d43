package trainer

import (
	"testing"
	"time"

	"metaglot/core/omniglot"
)

// loadData reads the repository's Omniglot assets (the sheets of both of
// the trainer's splits: every alphabet).
func loadData(tb testing.TB) *omniglot.Dataset {
	tb.Helper()
	ds, err := omniglot.LoadDir("../../assets/omniglot", TrainSplit, TestSplit)
	if err != nil {
		tb.Fatal(err)
	}
	return ds
}

// clock is a fake clock that advances by step at every reading.
type clock struct {
	t    time.Time
	step time.Duration
}

func (c *clock) now() time.Time { c.t = c.t.Add(c.step); return c.t }

func newTrainer(tb testing.TB, ds *omniglot.Dataset) *Trainer {
	tb.Helper()
	c := &clock{t: time.Unix(0, 0), step: time.Millisecond}
	tr, err := New(ds, nil, c.now)
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}
