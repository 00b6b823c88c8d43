package episode_test

import (
	"fmt"
	"math/rand/v2"

	"metaglot/core/episode"
	"metaglot/core/omniglot"
)

// A 5-way 1-shot episode with 3 queries per class from the Vinyals test
// split, as "metaglot episode -seed 7" draws it.
func ExampleNewSampler() {
	ds, err := omniglot.LoadDir("../../assets/omniglot", "vinyals-test")
	if err != nil {
		fmt.Println(err)
		return
	}
	split, err := ds.Split("vinyals-test")
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := episode.Config{Way: 5, Shot: 1, Query: 3}
	s, err := episode.NewSampler(ds, split, cfg, rand.New(rand.NewPCG(7, 0)))
	if err != nil {
		fmt.Println(err)
		return
	}
	ep := s.Sample()
	fmt.Println("images", ep.Images.Shape, "support", ep.Support().Shape, "queries", ep.Queries().Shape)
	fmt.Println("labels", ep.Labels)
	for l, c := range ep.Classes {
		fmt.Println(l, ds.ClassName(c))
	}
	// Output:
	// images [20 1 28 28] support [5 1 28 28] queries [15 1 28 28]
	// labels [0 1 2 3 4 0 0 0 1 1 1 2 2 2 3 3 3 4 4 4]
	// 0 Malayalam/character44/rot000
	// 1 Manipuri/character09/rot270
	// 2 Keble/character05/rot090
	// 3 Malayalam/character01/rot180
	// 4 Tibetan/character12/rot000
}
