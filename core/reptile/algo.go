package reptile

import (
	"metaglot/core/algo"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// Spec is Reptile's entry in the algorithm registry (core/algo).
var Spec = algo.Spec{
	Name:        "reptile",
	Label:       "Reptile",
	Description: "Reptile (Nichol et al. 2018): the initialization moves a step ε toward the weights adapted to each task, ε annealed linearly from its start to 0.",
	Order:       30,
	Settings:    []string{"inner_steps", "inner_lr", "inner_batch", "inner_params", "adapt_steps", "proto_head", "bn", "net"},
	Defaults:    reference,
	Quick: modelfile.Config{Algo: "reptile", Split: "vinyals", Way: 5, Shot: 5, Query: 5, Episodes: 1000,
		LR: 1, InnerSteps: 5, InnerLR: 0.1, AdaptSteps: 10, MetaBatch: 5, Seed: 1, CheckpointEvery: 100, ValEvery: 100, ValEpisodes: 20},
	Suite: modelfile.Config{Algo: "reptile", LR: 1, InnerSteps: 3, InnerLR: 0.1, AdaptSteps: 5},
	Caps:  algo.Caps{LearnedHead: true, ProtoHead: true, BNModes: []string{"support", "running", "transductive"}, Adapts: true},
	Validate: func(c modelfile.Config) error {
		if c.ProtoHead {
			return &algo.SettingError{Name: "proto_head", Args: "-proto-head", Msg: "Reptile does not learn with it (its support loss starts at ≈ 0); use it with eval or classify"}
		}
		return nil
	},
	NewParams:  algo.HeadNetParams,
	AnyThreads: algo.TasksInParallel,
	New: func(c modelfile.Config, params *tensor.Set, par nn.Parallel) (learner.Learner, error) {
		bn, err := learner.ParseBN(c.BN)
		if err != nil {
			return nil, err
		}
		ip, err := learner.ParseInnerParams(c.InnerParams)
		if err != nil {
			return nil, err
		}
		return New(params, Config{InnerSteps: c.InnerSteps, InnerLR: c.InnerLR, InnerBatch: c.InnerBatch, AdaptSteps: c.AdaptSteps, Epsilon: c.LR, ProtoHead: c.ProtoHead, BN: bn, InnerParams: ip, Net: c.Net, Par: par})
	},
	// ε annealed linearly from LR to 0 over the planned episodes.
	LRAt: func(c modelfile.Config, ep int) float64 { return c.LR * max(0, 1-float64(ep)/float64(c.Episodes)) },
}

// reference are the reference settings (Spec.Defaults), which also fill
// the zero fields of a Config.
// Nichol et al. (with SGD inner steps):
// 5-way tasks, 5 inner steps, meta-batches of 5, ε annealed from 1 to 0 over
// 100 000 meta-iterations: 500 000 tasks, since Episodes counts every task of a meta-batch.
var reference = modelfile.Config{Algo: "reptile", Split: "vinyals", Way: 5, Shot: 5, Query: 5, Episodes: 100000 * 5,
	LR: 1, InnerSteps: 5, InnerLR: 0.1, AdaptSteps: 10, MetaBatch: 5, Seed: 1, CheckpointEvery: 100, ValEpisodes: 100}

func init() { algo.Register(Spec) }
