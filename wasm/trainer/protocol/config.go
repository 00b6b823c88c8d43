package protocol

import (
	"fmt"
	"math"
)

// Drawers is the number of drawings of an Omniglot character: the most
// images of one class an episode can hold (K + Q).
const Drawers = 20

// Algorithms lists the learners a session can train, in menu order.
func Algorithms() []string { return []string{"protonet", "fomaml", "reptile"} }

// Init says where training starts from.
const (
	InitScratch = "scratch" // fresh weights from the seed
	InitBundled = "bundled" // the build's assets/models/<algo>.safetensors
	InitCurrent = "current" // the weights the trainer holds (trained or loaded)
)

// Config is one training run. Episodes count tasks: a meta-step of
// MetaBatch tasks advances the counter by MetaBatch.
type Config struct {
	Algo       string  `json:"algo"`
	Way        int     `json:"way"`         // N classes per episode
	Shot       int     `json:"shot"`        // K support images per class
	Query      int     `json:"query"`       // Q query images per class
	LR         float64 `json:"lr"`          // outer learning rate (Adam; Reptile: ε at the start, annealed to 0)
	InnerLR    float64 `json:"inner_lr"`    // FOMAML, Reptile: inner SGD learning rate
	InnerSteps int     `json:"inner_steps"` // FOMAML, Reptile: inner steps in training
	AdaptSteps int     `json:"adapt_steps"` // FOMAML, Reptile: inner steps to classify; 0 means 10
	MetaBatch  int     `json:"meta_batch"`  // tasks per meta-step
	Episodes   int     `json:"episodes"`    // tasks to train on
	EvalEvery  int     `json:"eval_every"`  // held-out accuracy every this many episodes; 0: never
	EvalTasks  int     `json:"eval_tasks"`  // held-out episodes per measurement; 0 means 20
	Init       string  `json:"init"`        // InitScratch, InitBundled or InitCurrent
	Seed       uint64  `json:"seed"`
}

// Defaults returns settings for algo that train visibly within minutes in
// a browser: ProtoNet on 20-way 5-shot episodes; FOMAML on 5-way 1-shot
// tasks (inner lr 0.4, one inner step, meta-batch 4); Reptile on 5-way
// 5-shot tasks (five inner steps, ε from 1).
func Defaults(algo string) Config {
	c := Config{Algo: algo, Episodes: 1000, EvalEvery: 100, EvalTasks: 20, Init: InitScratch, Seed: 1, MetaBatch: 1}
	switch algo {
	case "fomaml":
		c.Way, c.Shot, c.Query = 5, 1, 5
		c.LR, c.InnerLR, c.InnerSteps, c.AdaptSteps, c.MetaBatch = 1e-3, 0.4, 1, 10, 4
	case "reptile":
		c.Way, c.Shot, c.Query = 5, 5, 5
		c.LR, c.InnerLR, c.InnerSteps, c.AdaptSteps, c.MetaBatch = 1, 0.1, 5, 10, 5
	default:
		c.Algo = "protonet"
		c.Way, c.Shot, c.Query, c.LR = 20, 5, 5, 1e-3
	}
	return c
}

// Limits are the class counts of the splits a session draws from: the
// training split (vinyals-trainval) and the held-out split (vinyals-test).
type Limits struct {
	TrainClasses int `json:"train_classes"`
	TestClasses  int `json:"test_classes"`
}

// Upper bounds that keep a browser session sane.
const (
	MaxInnerSteps = 100
	MaxMetaBatch  = 64
	MaxEpisodes   = 1_000_000
)

// FieldError is a setting that cannot be used: Field is the JSON name of
// the setting (as Config's tags), Msg says why and what would do.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Check returns nil if c can be trained on splits with limits lim, and
// otherwise a *FieldError for the first impossible setting.
func (c Config) Check(lim Limits) error {
	bad := func(field, format string, a ...any) error {
		return &FieldError{Field: field, Msg: fmt.Sprintf(format, a...)}
	}
	positive := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
	head := c.Algo == "fomaml" || c.Algo == "reptile"
	switch {
	case c.Algo != "protonet" && !head:
		return bad("algo", "unknown algorithm %q: choose protonet, fomaml or reptile", c.Algo)
	case c.Way < 2:
		return bad("way", "N = %d: an episode needs at least 2 classes", c.Way)
	case c.Way > lim.TrainClasses:
		return bad("way", "N = %d, but the training split has only %d classes", c.Way, lim.TrainClasses)
	case c.EvalEvery > 0 && c.Way > lim.TestClasses:
		return bad("way", "N = %d, but the held-out split has only %d classes (set held-out every to 0 to skip it)", c.Way, lim.TestClasses)
	case c.Shot < 1:
		return bad("shot", "K = %d: each class needs at least 1 support image", c.Shot)
	case c.Query < 1:
		return bad("query", "Q = %d: each class needs at least 1 query", c.Query)
	case c.Shot+c.Query > Drawers:
		return bad("query", "K + Q = %d, but a character has only %d drawings: lower K or Q", c.Shot+c.Query, Drawers)
	case !positive(c.LR):
		return bad("lr", "learning rate %v: it must be a positive number", c.LR)
	case head && !positive(c.InnerLR):
		return bad("inner_lr", "inner learning rate %v: it must be a positive number", c.InnerLR)
	case head && (c.InnerSteps < 1 || c.InnerSteps > MaxInnerSteps):
		return bad("inner_steps", "%d inner steps: choose 1 to %d", c.InnerSteps, MaxInnerSteps)
	case head && (c.AdaptSteps < 0 || c.AdaptSteps > MaxInnerSteps):
		return bad("adapt_steps", "%d adaptation steps: choose 1 to %d (0 means 10)", c.AdaptSteps, MaxInnerSteps)
	case c.MetaBatch < 1 || c.MetaBatch > MaxMetaBatch:
		return bad("meta_batch", "meta-batch %d: choose 1 to %d", c.MetaBatch, MaxMetaBatch)
	case c.Episodes < 1 || c.Episodes > MaxEpisodes:
		return bad("episodes", "%d episodes: choose 1 to %d", c.Episodes, MaxEpisodes)
	case c.EvalEvery < 0:
		return bad("eval_every", "held-out every %d episodes: use 0 (never) or more", c.EvalEvery)
	case c.EvalTasks < 0 || c.EvalTasks > 1000:
		return bad("eval_tasks", "%d held-out episodes: choose 1 to 1000 (0 means 20)", c.EvalTasks)
	case c.Init != InitScratch && c.Init != InitBundled && c.Init != InitCurrent:
		return bad("init", "start %q: choose scratch, bundled or current", c.Init)
	}
	return nil
}

// HasHead reports whether c's learner meta-learns a linear head (FOMAML
// and Reptile).
func (c Config) HasHead() bool { return c.Algo != "protonet" }

// Tasks returns the held-out episodes per measurement (EvalTasks, 0
// meaning 20).
func (c Config) Tasks() int {
	if c.EvalTasks == 0 {
		return 20
	}
	return c.EvalTasks
}

// Adapt returns the inner steps to classify (AdaptSteps, 0 meaning 10).
func (c Config) Adapt() int {
	if c.AdaptSteps == 0 {
		return 10
	}
	return c.AdaptSteps
}

// LRAt returns the outer learning rate of the step starting after ep
// episodes: constant, except Reptile's ε, annealed linearly to 0 over the
// planned episodes (as metaglot train does).
func (c Config) LRAt(ep int) float64 {
	if c.Algo == "reptile" {
		return c.LR * max(0, 1-float64(ep)/float64(c.Episodes))
	}
	return c.LR
}

// EvalDue reports whether held-out accuracy is due after a step that ended
// at episode done with prev episodes done before it.
func (c Config) EvalDue(prev, done int) bool {
	return c.EvalEvery > 0 && done/c.EvalEvery > prev/c.EvalEvery
}
