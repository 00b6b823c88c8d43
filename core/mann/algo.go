package mann

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"metaglot/core/algo"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// Spec registers the MANN with core/algo as "mann". A run's way is the
// network's number of output classes (with one-hot labels); the network
// is the paper's (200 LSTM units, 128 slots of 40, 4 read heads, 20×20
// inputs). The setting labels (`metaglot train -labels string`) chooses
// the label code (Labels), recorded in the run's settings like every
// other: a run resumes only with the code it started with.
var Spec = algo.Spec{
	Name:  "mann",
	Label: "MANN",
	Description: "Memory-augmented neural network (Santoro et al. 2016): an LSTM with an external memory reads a task as one sequence, " +
		"each image with the previous image's label, and answers the next image's class from what it wrote to memory.",
	Order:    40,
	Settings: []string{"lr_halve_every", "labels", "optimizer"},
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
	// A step's chunks run on the threads and are summed in chunk order:
	// the same parameters for any number (Learner.Step).
	AnyThreads: func(modelfile.Config) bool { return true },
	NewParams: func(c modelfile.Config, rng *rand.Rand) *tensor.Set {
		labels, err := ParseLabels(c.Labels)
		if err != nil {
			panic(err.Error()) // algo.Check refuses it first
		}
		return NewParams(Config{Classes: c.Way, Labels: labels}, rng)
	},
	New: func(c modelfile.Config, params *tensor.Set, par nn.Parallel) (learner.Learner, error) {
		return fromSettings(c, params, par)
	},
}

func init() { algo.Register(Spec) }

// fromSettings returns a Learner for params, a MANN trained with the run
// settings c (its learning rate, optimizer and label code; the shapes
// come from params), whose training steps run on par's workers.
func fromSettings(c modelfile.Config, params *tensor.Set, par nn.Parallel) (*Learner, error) {
	labels, err := ParseLabels(c.Labels)
	if err != nil {
		return nil, err
	}
	opt, err := ParseOptimizer(c.Optimizer)
	if err != nil {
		return nil, err
	}
	cfg, err := ConfigOf(Config{LR: c.LR, Labels: labels, Optimizer: opt}, params)
	if err != nil {
		return nil, err
	}
	return NewParallel(params, cfg, par)
}

// Load returns a Learner for the tensors and string metadata of a model
// file (core/checkpoint.Decode's): its label code is the one the file's
// "config" metadata records (one-hot for a file without metaglot's
// metadata, or written before the code existed). A label code this
// version does not know, or a "config" that is not JSON, is an error:
// read as one-hot, a string-label model's 25 outputs would pass for 25
// classes and answer garbage.
func Load(params *tensor.Set, meta map[string]string) (*Learner, error) {
	var c modelfile.Config
	if s := meta["config"]; s != "" {
		if err := json.Unmarshal([]byte(s), &c); err != nil {
			return nil, fmt.Errorf("mann: bad \"config\" metadata: %v", err)
		}
	}
	if c.Algo != "" && c.Algo != "mann" {
		return nil, fmt.Errorf("mann: the file holds a %s model", c.Algo)
	}
	c.LR = 0 // Adam's: the paper's default; a loaded model is not trained further here
	return fromSettings(c, params, nil)
}

// LoadOneHot is Load for callers that read the network's output units as
// the task's classes: the page's model-based and compare steps, built for
// the bundled one-hot MANN (its memory view attributes slots to classes,
// its bars are the output units). A model with another label code is an
// error saying so, instead of answers read from the wrong units.
func LoadOneHot(params *tensor.Set, meta map[string]string) (*Learner, error) {
	l, err := Load(params, meta)
	if err != nil {
		return nil, err
	}
	if l.cfg.Labels != OneHot {
		return nil, fmt.Errorf("mann: this MANN codes labels as %s (%s); only one-hot MANNs can be shown here", l.cfg.Labels, l.cfg.Labels.about())
	}
	return l, nil
}

// about says what the code is, in a few words.
func (l Labels) about() string {
	if l == String {
		return "five-character strings, Santoro et al.'s 15-class setting"
	}
	return "one output unit per class"
}
