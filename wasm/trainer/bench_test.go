package trainer

import (
	"testing"

	"metaglot/core/algo"
	"metaglot/core/modelfile"
)

// benchStep times one meta-step of c (b.N steps), reporting episodes/s.
func benchStep(b *testing.B, c modelfile.Config) {
	tr := newTrainer(b, loadData(b))
	c.Episodes, c.ValEvery = algo.MaxEpisodes, 0
	if err := tr.Start(c, "", nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, _, err := tr.Step(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*c.MetaBatch)/b.Elapsed().Seconds(), "episodes/s")
}

func BenchmarkStepProtoNet5w1s5q(b *testing.B) {
	c := quick("protonet")
	c.Way, c.Shot, c.Query = 5, 1, 5
	benchStep(b, c)
}

func BenchmarkStepProtoNet20w5s5q(b *testing.B) {
	c := quick("protonet")
	c.Way, c.Shot, c.Query = 20, 5, 5
	benchStep(b, c)
}

// FOMAML 5-way 1-shot, 5 queries, one inner step, meta-batch 4 (the
// page's default): episodes/s counts tasks.
func BenchmarkStepFOMAML5w1s5q(b *testing.B) {
	benchStep(b, quick("fomaml"))
}

func BenchmarkSnapshot20w5s5q(b *testing.B) {
	tr := newTrainer(b, loadData(b))
	c := quick("protonet")
	if err := tr.Start(c, "", nil); err != nil {
		b.Fatal(err)
	}
	if _, _, err := tr.Step(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := tr.Snapshot(); err != nil {
			b.Fatal(err)
		}
	}
}

// quick returns the page's default settings of algorithm name.
func quick(name string) modelfile.Config {
	s, err := algo.Lookup(name)
	if err != nil {
		panic(err)
	}
	return s.Quick
}
