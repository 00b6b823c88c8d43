package mann

import (
	"math/rand/v2"

	"metaglot/core/algo"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// Spec registers the MANN with core/algo as "mann". A run's way is the
// network's number of output classes; the network is the paper's (200
// LSTM units, 128 slots of 40, 4 read heads, 20×20 inputs).
var Spec = algo.Spec{
	Name:  "mann",
	Label: "MANN",
	Description: "Memory-augmented neural network (Santoro et al. 2016): an LSTM with an external memory reads a task as one sequence, " +
		"each image with the previous image's label, and answers the next image's class from what it wrote to memory.",
	Order:    40,
	Settings: []string{"lr_halve_every"},
	// Santoro et al.: episodes of 5 classes × 10 instances (here 9 support
	// + 1 query per class, all shuffled into one sequence of 50), batches
	// of 16, 100 000 batches: 1 600 000 episodes, since Episodes counts
	// every episode of a batch; Adam at 1e-3 (the recipe mann).
	Defaults: modelfile.Config{Algo: "mann", Split: "vinyals", Way: 5, Shot: 9, Query: 1, Episodes: 1600000,
		LR: 1e-3, MetaBatch: 16, Seed: 1, CheckpointEvery: 1600, ValEpisodes: 100},
	Quick: modelfile.Config{Algo: "mann", Split: "vinyals", Way: 5, Shot: 4, Query: 1, Episodes: 2000,
		LR: 1e-3, MetaBatch: 8, Seed: 1, CheckpointEvery: 200, ValEvery: 200, ValEpisodes: 20},
	Suite: modelfile.Config{Algo: "mann", LR: 1e-3},
	Caps:  algo.Caps{},
	NewParams: func(c modelfile.Config, rng *rand.Rand) *tensor.Set {
		return NewParams(Default(c.Way), rng)
	},
	New: func(c modelfile.Config, params *tensor.Set, _ nn.Parallel) (learner.Learner, error) {
		cfg, err := ConfigOf(Config{LR: c.LR}, params)
		if err != nil {
			return nil, err
		}
		return New(params, cfg)
	},
}

func init() { algo.Register(Spec) }
