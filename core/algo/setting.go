package algo

import (
	"fmt"
	"math"
	"strconv"

	"metaglot/core/learner"
	"metaglot/core/modelfile"
)

// Kind is the type of a setting's value.
type Kind int

const (
	Int    Kind = iota // an int
	Float              // a float64
	Bool               // a bool
	Choice             // a string, one of Setting.Choices
	Uint               // a uint64 (the seed)
)

// String returns the kind's name: int, float, bool, choice or uint.
func (k Kind) String() string {
	switch k {
	case Int:
		return "int"
	case Float:
		return "float"
	case Bool:
		return "bool"
	case Choice:
		return "choice"
	case Uint:
		return "uint"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Setting describes one field of modelfile.Config: a setting of a training
// run. The CLI defines one flag per Setting and the page one form field.
type Setting struct {
	Name  string // the JSON key of modelfile.Config: "lr_halve_every"
	Flag  string // the flag of metaglot train, without "-": "lr-halve-every"
	Label string // a short label for a form: "Halve lr every"
	Help  string // one line on what it does (no defaults: they are per algorithm)
	Kind  Kind
	// Min and Max bound an Int, Uint or Float value, both included unless
	// MinExclusive (then value > Min). Max is +Inf when unbounded.
	Min, Max     float64
	MinExclusive bool
	// Choices are the values of a Choice setting, the first one the
	// meaning of "" (bn: "" is "support", from files written before the
	// choice existed).
	Choices []string
	// Common settings apply to every algorithm; the others apply to the
	// algorithms whose Spec.Settings names them, and must keep their zero
	// value for the rest.
	Common bool
	// RunTime settings may change when a run resumes (they do not change
	// what is trained): checkpoint_every, val_every, val_episodes.
	RunTime bool
	// Requires, if not empty, is "setting=value": the setting only applies
	// when that other setting has that value (rotations and val_alphabets:
	// "split=lake"), and Check refuses a non-zero value otherwise. A form
	// hides the field meanwhile.
	Requires string

	field func(*modelfile.Config) any // a pointer to the field
}

// Limits on the numbers a run's settings may hold, the same for the CLI's
// flags, for the config of a model or checkpoint file and for the page.
// They are far above any sensible setting and exist so that a typo or a
// hostile file is refused in one line instead of exhausting memory or
// running for ever.
const (
	// MaxSteps bounds inner and adaptation SGD steps (inner_steps,
	// adapt_steps; the references use 1 to 10).
	MaxSteps = 10000
	// MaxInnerLR bounds the inner SGD learning rate (the references use
	// 0.1 and 0.4).
	MaxInnerLR = 10.0
	// MaxEpisodeImages bounds the images of one episode, way×(shot+query):
	// ProtoNet's 60-way 5-shot 5-query episode has 600. Its Conv4
	// activations take about 200 kB an image in training.
	MaxEpisodeImages = 5000
	// MaxStepImages bounds the images of one training step,
	// meta_batch×way×(shot+query): FOMAML's reference step has 2560.
	MaxStepImages = 20000
	// MaxEpisodes bounds training episodes (the references use 20000 and
	// 60000).
	MaxEpisodes = 1_000_000_000
	// MaxValEpisodes bounds the episodes of one held-out measurement.
	MaxValEpisodes = 1_000_000
	// MaxAugment bounds the strength of the affine distortions (augment):
	// at 2, rotations reach ±20°, shears ±0.6 and scales 0.6 to 1.4; the
	// shears keep the map invertible below 1/0.3.
	MaxAugment = 2.0
	// MaxValAlphabets bounds val_alphabets (Omniglot's background set has
	// 30 alphabets; the trainer refuses more than the split has).
	MaxValAlphabets = 1000
	// Drawers is the number of drawings of an Omniglot character: the
	// most images of one class an episode can hold (shot + query).
	Drawers = 20
)

var inf = math.Inf(1)

// settings is the schema, in the order of the CLI's help and the form.
var settings = []Setting{
	{Name: "split", Flag: "split", Label: "Protocol", Kind: Choice, Common: true, Choices: []string{"vinyals", "lake"},
		Help:  "protocol: vinyals (train on trainval) or lake (train on the background alphabets)",
		field: func(c *modelfile.Config) any { return &c.Split }},
	{Name: "net", Flag: "net", Label: "Network", Kind: Choice, Choices: learner.NetNames(),
		Help:  "backbone: conv4 (3×3 convolutions, BatchNorm, ReLU and 2×2 max-pooling, a 64-d embedding: Vinyals et al.'s and Snell et al.'s) or conv4s2 (3×3 convolutions of stride 2 without pooling, a 256-d embedding: Finn et al.'s and Nichol et al.'s Omniglot network, a quarter of the convolution work)",
		field: func(c *modelfile.Config) any { return &c.Net }},
	{Name: "way", Flag: "way", Label: "Classes (N)", Kind: Int, Common: true, Min: 2, Max: MaxEpisodeImages,
		Help:  "classes per training episode",
		field: func(c *modelfile.Config) any { return &c.Way }},
	{Name: "shot", Flag: "shot", Label: "Support images (K)", Kind: Int, Common: true, Min: 1, Max: Drawers - 1,
		Help:  "support images per class",
		field: func(c *modelfile.Config) any { return &c.Shot }},
	{Name: "query", Flag: "query", Label: "Queries (Q)", Kind: Int, Common: true, Min: 1, Max: Drawers - 1,
		Help:  "query images per class",
		field: func(c *modelfile.Config) any { return &c.Query }},
	{Name: "episodes", Flag: "episodes", Label: "Episodes", Kind: Int, Common: true, Min: 1, Max: MaxEpisodes,
		Help:  "training episodes in all, counting every task of a meta-batch",
		field: func(c *modelfile.Config) any { return &c.Episodes }},
	{Name: "lr", Flag: "lr", Label: "Learning rate", Kind: Float, Common: true, Min: 0, MinExclusive: true, Max: inf,
		Help:  "outer learning rate: Adam's, or Reptile's initial step size ε (annealed linearly to 0)",
		field: func(c *modelfile.Config) any { return &c.LR }},
	{Name: "lr_halve_every", Flag: "lr-halve-every", Label: "Halve lr every", Kind: Int, Min: 0, Max: MaxEpisodes,
		Help:  "halve the Adam learning rate every this many episodes, 0 = never",
		field: func(c *modelfile.Config) any { return &c.LRHalve }},
	{Name: "inner_steps", Flag: "inner-steps", Label: "Inner steps", Kind: Int, Min: 1, Max: MaxSteps,
		Help:  "SGD steps on the support set in training",
		field: func(c *modelfile.Config) any { return &c.InnerSteps }},
	{Name: "inner_lr", Flag: "inner-lr", Label: "Inner lr", Kind: Float, Min: 0, MinExclusive: true, Max: MaxInnerLR,
		Help:  "inner SGD learning rate",
		field: func(c *modelfile.Config) any { return &c.InnerLR }},
	{Name: "inner_batch", Flag: "inner-batch", Label: "Inner batch", Kind: Int, Min: 0, Max: MaxEpisodeImages,
		Help:  "support images per inner SGD step in training, taken in turn and balanced over the classes (Nichol et al.'s minibatches: 10 of 50 images, so 5 steps see each once); 0 = the whole support set every step",
		field: func(c *modelfile.Config) any { return &c.InnerBatch }},
	{Name: "inner_params", Flag: "inner-params", Label: "Inner-loop parameters", Kind: Choice, Choices: []string{"all", "no-bn"},
		Help:  "what the inner steps change: all (every trainable tensor) or no-bn (all but the BatchNorm scales and offsets, which only the outer loop learns, as in Finn et al.'s code)",
		field: func(c *modelfile.Config) any { return &c.InnerParams }},
	{Name: "adapt_steps", Flag: "adapt-steps", Label: "Steps to classify", Kind: Int, Min: 1, Max: MaxSteps,
		Help:  "inner steps at test time, stored in the model",
		field: func(c *modelfile.Config) any { return &c.AdaptSteps }},
	{Name: "meta_batch", Flag: "meta-batch", Label: "Meta-batch", Kind: Int, Common: true, Min: 1, Max: MaxStepImages / 4,
		Help:  "tasks per outer step",
		field: func(c *modelfile.Config) any { return &c.MetaBatch }},
	{Name: "proto_head", Flag: "proto-head", Label: "Prototype head", Kind: Bool,
		Help:  "initialise the head of each task from the support prototypes instead of meta-learning it",
		field: func(c *modelfile.Config) any { return &c.ProtoHead }},
	{Name: "bn", Flag: "bn", Label: "BatchNorm statistics", Kind: Choice, Choices: []string{"support", "running", "transductive"},
		Help:  "BatchNorm statistics of adaptation and prediction: support (the support set's), running (the model's running statistics, kept as the initial model gave them; needs an initial model) or transductive (the support set's in adaptation, the query batch's own for the query loss, as Finn et al. train)",
		field: func(c *modelfile.Config) any { return &c.BN }},
	{Name: "labels", Flag: "labels", Label: "Label code", Kind: Choice, Choices: []string{"onehot", "string"},
		Help:  "how a class's label is coded in the input and the output: onehot (one unit per class) or string (Santoro et al.'s 15-class setting: a random string of 5 characters over 5 letters per class and episode, 25 units in and out, right only if all five characters are)",
		field: func(c *modelfile.Config) any { return &c.Labels }},
	{Name: "optimizer", Flag: "optimizer", Label: "Optimizer", Kind: Choice, Choices: []string{"adam", "rmsprop"},
		Help:  "the optimizer of the weights: adam or rmsprop (Santoro et al.'s: the mean square's decay 0.95, momentum 0.9); -lr is its learning rate",
		field: func(c *modelfile.Config) any { return &c.Optimizer }},
	{Name: "augment", Flag: "augment", Label: "Affine distortion", Kind: Float, Common: true, Min: 0, Max: MaxAugment,
		Help:  "strength of random affine distortions of training images: 0 = none, 1 = Koch et al.'s (rotation ±10°, shear ±0.3, scale 0.8–1.2, shift ±2 of 105 pixels, each with probability 0.5); never at evaluation",
		field: func(c *modelfile.Config) any { return &c.Augment }},
	{Name: "rotations", Flag: "rotations", Label: "Rotations as classes", Kind: Bool, Common: true, Requires: "split=lake",
		Help:  "lake: add the 90°, 180° and 270° turns of every training class as classes of their own (the vinyals split has them already)",
		field: func(c *modelfile.Config) any { return &c.Rotations }},
	{Name: "one_alphabet", Flag: "one-alphabet", Label: "Episodes within one alphabet", Kind: Bool, Common: true,
		Help:  "draw each training episode's classes from one alphabet, chosen uniformly (Lake's task: similar characters); from an alphabet of fewer classes than -way, all of them (ProtoNet, MANN, -proto-head; a learned head of -way classes needs every alphabet to have that many)",
		field: func(c *modelfile.Config) any { return &c.OneAlphabet }},
	{Name: "val_alphabets", Flag: "val-alphabets", Label: "Validation alphabets", Kind: Int, Common: true, Min: 0, Max: MaxValAlphabets, Requires: "split=lake",
		Help:  "lake: hold this many background alphabets out of training and validate on them (evenly spaced in index order), 0 = validate on the evaluation alphabets (monitoring only)",
		field: func(c *modelfile.Config) any { return &c.ValAlphabets }},
	{Name: "seed", Flag: "seed", Label: "Seed", Kind: Uint, Common: true, Min: 0, Max: inf,
		Help:  "random seed of the initialization and of the episodes",
		field: func(c *modelfile.Config) any { return &c.Seed }},
	{Name: "checkpoint_every", Flag: "checkpoint-every", Label: "Checkpoint every", Kind: Int, Common: true, RunTime: true, Min: 1, Max: inf,
		Help:  "write a checkpoint every this many episodes",
		field: func(c *modelfile.Config) any { return &c.CheckpointEvery }},
	{Name: "val_every", Flag: "val-every", Label: "Held-out every", Kind: Int, Common: true, RunTime: true, Min: 0, Max: inf,
		Help:  "measure held-out accuracy every this many episodes, 0 = never: on the test classes of the protocol (monitoring only), or with val_alphabets on the background alphabets held out",
		field: func(c *modelfile.Config) any { return &c.ValEvery }},
	{Name: "val_episodes", Flag: "val-episodes", Label: "Held-out episodes", Kind: Int, Common: true, RunTime: true, Min: 1, Max: MaxValEpisodes,
		Help:  "episodes per held-out measurement",
		field: func(c *modelfile.Config) any { return &c.ValEpisodes }},
}

// Settings returns the schema of every setting of a run (all fields of
// modelfile.Config but Algo and Init), in the order of the CLI's help. The
// slice is a copy; its Settings may be used freely.
func Settings() []Setting { return append([]Setting(nil), settings...) }

// SettingNamed returns the Setting whose Name (JSON key) is name.
func SettingNamed(name string) (Setting, bool) {
	for _, s := range settings {
		if s.Name == name {
			return s, true
		}
	}
	return Setting{}, false
}

// Get returns the setting's value in c: an int, float64, bool, string or
// uint64 by Kind (a Choice's "" read as its first choice).
func (s Setting) Get(c modelfile.Config) any {
	switch p := s.field(&c).(type) {
	case *int:
		return *p
	case *float64:
		return *p
	case *bool:
		return *p
	case *uint64:
		return *p
	case *string:
		if *p == "" && len(s.Choices) > 0 {
			return s.Choices[0]
		}
		return *p
	}
	panic("algo: setting " + s.Name + " of unknown type")
}

// Set sets the setting's field of c to v, which must have the Go type of
// its Kind (as Get returns); it panics otherwise. It does not check the
// range (Check does).
func (s Setting) Set(c *modelfile.Config, v any) {
	switch p := s.field(c).(type) {
	case *int:
		*p = v.(int)
	case *float64:
		*p = v.(float64)
	case *bool:
		*p = v.(bool)
	case *uint64:
		*p = v.(uint64)
	case *string:
		*p = v.(string)
	default:
		panic("algo: setting " + s.Name + " of unknown type")
	}
}

// Copy sets the setting's field of dst to its value in src.
func (s Setting) Copy(dst *modelfile.Config, src modelfile.Config) {
	switch p := s.field(dst).(type) {
	case *string:
		*p = *s.field(&src).(*string)
	default:
		s.Set(dst, s.Get(src))
	}
}

// Format returns the setting's value in c as text that Parse reads back.
func (s Setting) Format(c modelfile.Config) string {
	switch v := s.Get(c).(type) {
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case uint64:
		return strconv.FormatUint(v, 10)
	case string:
		return v
	}
	return ""
}

// Parse sets the setting's field of c from text (as a form or a recipe
// gives it). It returns a *SettingError if text is not a value of the
// setting's kind; the range is Check's.
func (s Setting) Parse(c *modelfile.Config, text string) error {
	bad := func() error {
		return &SettingError{Name: s.Name, Args: fmt.Sprintf("-%s %q", s.Flag, text), Msg: "not a" + article(s.Kind) + " " + s.Kind.String()}
	}
	switch s.Kind {
	case Int:
		v, err := strconv.Atoi(text)
		if err != nil {
			return bad()
		}
		s.Set(c, v)
	case Float:
		v, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return bad()
		}
		s.Set(c, v)
	case Bool:
		v, err := strconv.ParseBool(text)
		if err != nil {
			return bad()
		}
		s.Set(c, v)
	case Uint:
		v, err := strconv.ParseUint(text, 10, 64)
		if err != nil {
			return bad()
		}
		s.Set(c, v)
	case Choice:
		s.Set(c, text)
	}
	return nil
}

func article(k Kind) string {
	if k == Int || k == Uint {
		return "n"
	}
	return ""
}

// Equal reports whether a and b hold the same value of the setting (a
// Choice's "" equal to its first choice).
func (s Setting) Equal(a, b modelfile.Config) bool { return s.Get(a) == s.Get(b) }

// isZero reports whether the setting holds its zero value in c (a
// Choice's "" or first choice: the value meant when it does not apply).
func (s Setting) isZero(c modelfile.Config) bool { return s.Equal(c, modelfile.Config{}) }

// check returns a *SettingError if the setting's value in c is outside its
// range or choices.
func (s Setting) check(c modelfile.Config) error {
	args := fmt.Sprintf("-%s %s", s.Flag, s.Format(c))
	var v float64
	switch x := s.Get(c).(type) {
	case int:
		v = float64(x)
	case float64:
		v = x
	case uint64:
		v = float64(x)
	case string:
		for _, ch := range s.Choices {
			if x == ch {
				return nil
			}
		}
		return &SettingError{Name: s.Name, Args: fmt.Sprintf("-%s %q", s.Flag, x), Msg: "want " + orList(s.Choices)}
	default:
		return nil
	}
	low := v < s.Min || (s.MinExclusive && v <= s.Min)
	if !low && v <= s.Max && !math.IsNaN(v) && !math.IsInf(v, 0) {
		return nil
	}
	return &SettingError{Name: s.Name, Args: args, Msg: "want " + s.rangeText()}
}

// rangeText says the setting's range in words: "2 to 5000", "a number
// above 0 and at most 10", "a positive number", "≥ 0".
func (s Setting) rangeText() string {
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	switch {
	case s.MinExclusive && math.IsInf(s.Max, 1) && s.Min == 0:
		return "a positive number"
	case s.MinExclusive:
		return "a number above " + num(s.Min) + " and at most " + num(s.Max)
	case math.IsInf(s.Max, 1):
		return "≥ " + num(s.Min)
	}
	return num(s.Min) + " to " + num(s.Max)
}

// orList joins names as "a, b or c".
func orList(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	out := names[0]
	for _, n := range names[1 : len(names)-1] {
		out += ", " + n
	}
	return out + " or " + names[len(names)-1]
}
