package protonet

import (
	"math/rand/v2"

	"metaglot/core/algo"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// Spec is ProtoNet's entry in the algorithm registry (core/algo).
var Spec = algo.Spec{
	Name:        "protonet",
	Label:       "ProtoNet",
	Description: "Prototypical Networks (Snell et al. 2017): a class is the mean embedding of its examples; a query goes to the nearest one.",
	Order:       10,
	Settings:    []string{"lr_halve_every", "net"},
	// Snell et al.: 60-way 5-shot 5-query episodes, Adam 1e-3 halved
	// every 2000 episodes.
	Defaults: modelfile.Config{Algo: "protonet", Split: "vinyals", Way: 60, Shot: 5, Query: 5, Episodes: 20000,
		LR: 1e-3, LRHalve: 2000, MetaBatch: 1, Seed: 1, CheckpointEvery: 100, ValEpisodes: 100},
	Quick: modelfile.Config{Algo: "protonet", Split: "vinyals", Way: 20, Shot: 5, Query: 5, Episodes: 1000,
		LR: 1e-3, MetaBatch: 1, Seed: 1, CheckpointEvery: 100, ValEvery: 100, ValEpisodes: 20},
	Suite:     modelfile.Config{Algo: "protonet", LR: 1e-3},
	NewParams: func(c modelfile.Config, rng *rand.Rand) *tensor.Set { return nn.NewConv4Params(rng) },
	New: func(c modelfile.Config, params *tensor.Set, par nn.Parallel) (learner.Learner, error) {
		return New(params, Config{LR: c.LR, Net: c.Net, Par: par})
	},
}

func init() { algo.Register(Spec) }
