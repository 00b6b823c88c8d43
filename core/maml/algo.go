package maml

import (
	"metaglot/core/algo"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// Spec is first-order MAML's entry in the algorithm registry (core/algo).
var Spec = algo.Spec{
	Name:        "fomaml",
	Label:       "FOMAML",
	Description: "First-order MAML (Finn et al. 2017): fast weights take SGD steps on the support set, and Adam moves the initialization along the query-loss gradient at the adapted weights.",
	Order:       20,
	Settings:    []string{"lr_halve_every", "inner_steps", "inner_lr", "inner_params", "adapt_steps", "proto_head", "bn", "net"},
	Defaults:    reference,
	Quick: modelfile.Config{Algo: "fomaml", Split: "vinyals", Way: 5, Shot: 1, Query: 5, Episodes: 1000,
		LR: 1e-3, InnerSteps: 1, InnerLR: 0.4, AdaptSteps: 10, MetaBatch: 4, Seed: 1, CheckpointEvery: 100, ValEvery: 100, ValEpisodes: 20},
	Suite:      modelfile.Config{Algo: "fomaml", LR: 1e-3, InnerSteps: 2, InnerLR: 0.1, AdaptSteps: 5},
	Caps:       algo.Caps{LearnedHead: true, ProtoHead: true, BNModes: []string{"support", "running", "transductive"}, Adapts: true},
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
		return New(params, Config{InnerSteps: c.InnerSteps, InnerLR: c.InnerLR, AdaptSteps: c.AdaptSteps, LR: c.LR, ProtoHead: c.ProtoHead, BN: bn, InnerParams: ip, Net: c.Net, Par: par})
	},
}

// reference are the reference settings (Spec.Defaults), which also fill
// the zero fields of a Config.
// Finn et al.:
// 5-way 1-shot tasks, one inner step of 0.4 (ten at test time), meta-batches of 32, Adam 1e-3,
// 60 000 meta-iterations: 1 920 000 tasks, since Episodes counts every task of a meta-batch.
var reference = modelfile.Config{Algo: "fomaml", Split: "vinyals", Way: 5, Shot: 1, Query: 15, Episodes: 60000 * 32,
	LR: 1e-3, InnerSteps: 1, InnerLR: 0.4, AdaptSteps: 10, MetaBatch: 32, Seed: 1, CheckpointEvery: 100, ValEpisodes: 100}

func init() { algo.Register(Spec) }
