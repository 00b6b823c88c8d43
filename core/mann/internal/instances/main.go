// Command instances measures a trained MANN with Santoro et al.'s protocol
// (Table 1 of "Meta-Learning with Memory-Augmented Neural Networks", ICML
// 2016): episodes of N classes × 10 instances drawn from the held-out
// classes, shown one image at a time, each classified before its label is
// given; the accuracy is reported at the 1st, 2nd, 3rd, 4th, 5th and 10th
// presentation of a class, with a 95% confidence interval over episodes.
//
//	go run ./core/mann/internal/instances -model /work/runs/mann/model.safetensors
//
// It stands in for a metaglot eval flag until the CLI offers one.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"metaglot/core/checkpoint"
	"metaglot/core/episode"
	"metaglot/core/learner"
	"metaglot/core/mann"
	"metaglot/core/omniglot"
	"metaglot/core/tensor"
)

func main() {
	model := flag.String("model", "", "MANN model or checkpoint file (safetensors; required)")
	assets := flag.String("assets", "assets/omniglot", "Omniglot assets folder (index.json and the sheets)")
	split := flag.String("split", "vinyals-test", "split whose classes the episodes use")
	way := flag.Int("way", 5, "classes per episode")
	instances := flag.Int("instances", 10, "instances per class")
	episodes := flag.Int("episodes", 1000, "episodes")
	seed := flag.Uint64("seed", 1, "random seed of the episodes and their orders")
	asJSON := flag.Bool("json", false, "print one JSON object")
	flag.Parse()
	if err := run(*model, *assets, *split, *way, *instances, *episodes, *seed, *asJSON); err != nil {
		fmt.Fprintln(os.Stderr, "instances:", err)
		os.Exit(1)
	}
}

func run(model, assets, split string, way, inst, episodes int, seed uint64, asJSON bool) error {
	switch {
	case model == "":
		return fmt.Errorf("-model is required")
	case way < 2 || inst < 1 || inst > omniglot.Drawers || episodes < 1:
		return fmt.Errorf("-way %d -instances %d -episodes %d: want way ≥ 2, 1 ≤ instances ≤ %d, episodes ≥ 1", way, inst, episodes, omniglot.Drawers)
	}
	file, _, err := checkpoint.Read(model)
	if err != nil {
		return err
	}
	// A checkpoint also holds the optimizer's state ("optim.…").
	params := &tensor.Set{}
	for i := range file.Len() {
		if name, t := file.At(i); !strings.HasPrefix(name, "optim.") {
			params.Add(name, t)
		}
	}
	cfg, err := mann.ConfigOf(mann.Config{}, params)
	if err != nil {
		return fmt.Errorf("%s: %w", model, err)
	}
	l, err := mann.New(params, cfg)
	if err != nil {
		return fmt.Errorf("%s: %w", model, err)
	}
	ds, err := omniglot.LoadDir(filepath.Clean(assets), split)
	if err != nil {
		return err
	}
	s, err := ds.Split(split)
	if err != nil {
		return err
	}
	sampler, err := episode.NewSampler(ds, s, episode.Config{Way: way, Shot: inst}, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		return err
	}
	orders := rand.New(rand.NewPCG(seed, 1))
	// Per-episode accuracies at each presentation, for the intervals.
	per := make([][]float64, inst)
	for range episodes {
		ep := sampler.Sample()
		t := &learner.Task{Way: way, Support: ep.Support(), SupportLabels: ep.Labels[:ep.NumSupport()]}
		var one mann.Instances
		if err := l.InstanceAccuracy([]*learner.Task{t}, orders, &one); err != nil {
			return err
		}
		for k := range inst {
			per[k] = append(per[k], one.Acc(k+1))
		}
	}
	type cell struct {
		Instance int     `json:"instance"`
		Accuracy float64 `json:"accuracy"`
		CI95     float64 `json:"ci95"`
	}
	var cells []cell
	for k, accs := range per {
		m, ci := learner.MeanCI95(accs)
		cells = append(cells, cell{k + 1, 100 * m, 100 * ci})
	}
	if asJSON {
		return json.NewEncoder(os.Stdout).Encode(map[string]any{"model": model, "way": way, "instances": inst, "episodes": episodes, "split": split, "cells": cells})
	}
	fmt.Printf("%s: %d-way, %d instances, %d episodes of %s\n", model, way, inst, episodes, split)
	for _, c := range cells {
		if c.Instance <= 5 || c.Instance == 10 {
			fmt.Printf("instance %2d: %5.1f ± %.1f %%\n", c.Instance, c.Accuracy, c.CI95)
		}
	}
	return nil
}
