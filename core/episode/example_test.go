package episode_test

import (
	"fmt"
	"math/rand/v2"

	"metaglot/core/episode"
	"metaglot/core/episode/episodetest"
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

// Episodes of another data set: 2×16×16 images, 7 per class, each class
// in four rotations. Nothing else changes.
func ExampleNewSplit() {
	ds := &episodetest.Synthetic{Classes: 12, Items: 7, Channels: 2, Height: 16, Width: 16}
	split, err := episode.NewSplit("all", ds, nil, 4)
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := episode.NewSampler(ds, split, episode.Config{Way: 3, Shot: 2, Query: 5}, rand.New(rand.NewPCG(7, 0)))
	if err != nil {
		fmt.Println(err)
		return
	}
	ep := s.Sample()
	fmt.Println(len(split.Classes), "classes; images", ep.Images.Shape, "support", ep.Support().Shape, "queries", ep.Queries().Shape)
	fmt.Println("classes", ep.Classes)
	_, err = episode.NewSampler(ds, split, episode.Config{Way: 3, Shot: 2, Query: 6}, rand.New(rand.NewPCG(7, 0)))
	fmt.Println(err)
	// Output:
	// 48 classes; images [21 2 16 16] support [6 2 16 16] queries [15 2 16 16]
	// classes [{3 0} {3 3} {1 3}]
	// episode: shot 2 + query 6 = 8 images per class, but a class has only 7 images (Omniglot: drawings of a character)
}
