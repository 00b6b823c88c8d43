package algo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"

	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// Caps say what an algorithm can do, for the programs that offer it.
type Caps struct {
	// LearnedHead: the model meta-learns a linear head of Way classes
	// (unless the run sets proto_head), so its number of classes is fixed
	// and a model file holds "head.weight" and "head.bias".
	LearnedHead bool
	// ProtoHead: each task's head can start from the support prototypes
	// (the proto_head setting; at test time even where training refuses
	// it).
	ProtoHead bool
	// BNModes are the BatchNorm statistics the bn setting may choose
	// (learner.BN names); none: the algorithm always classifies with its
	// running statistics (ProtoNet).
	BNModes []string
	// Adapts: the learner adapts to a task by inner gradient steps at test
	// time (adapt_steps, inner_lr; learner.StepsAdapter).
	Adapts bool
}

// Spec is one registered algorithm. Register it once from its package's
// init function; the fields are read-only afterwards.
type Spec struct {
	Name        string // the -algo value and the "algo" of a model file: "fomaml"
	Label       string // for menus: "FOMAML"
	Description string // one or two sentences for help texts and the page
	// Order places the algorithm in menus and help texts (lower first;
	// ties by name).
	Order int
	// Settings names the settings beyond the Common ones (Setting.Name)
	// that apply to the algorithm.
	Settings []string
	// Defaults are the reference settings (metaglot train's defaults):
	// a complete Config that Check accepts.
	Defaults modelfile.Config
	// Quick are settings that train visibly within minutes in a browser
	// (the page's defaults): a complete Config that Check accepts.
	Quick modelfile.Config
	// Suite are small settings the shared learner test suite
	// (core/learner/learnertest) runs the algorithm with; the suite sets
	// the way. Zero: Quick.
	Suite modelfile.Config
	Caps  Caps
	// Validate returns an error (best a *SettingError) for settings the
	// algorithm cannot train with beyond the schema's ranges, which Check
	// has already verified. Nil: none.
	Validate func(c modelfile.Config) error
	// NewParams returns fresh parameters for c's model drawn from rng.
	NewParams func(c modelfile.Config, rng *rand.Rand) *tensor.Set
	// New returns c's learner around params (trained in place), spreading
	// its work over par (nil: one goroutine). It does not run Check: a
	// caller may adapt a checked model with other test-time settings
	// (adapt_steps learner.NoAdapt, say).
	New func(c modelfile.Config, params *tensor.Set, par nn.Parallel) (learner.Learner, error)
	// LRAt returns the outer learning rate of the step that starts after
	// ep episodes. Nil: LR halved every LRHalve episodes (never if 0).
	LRAt func(c modelfile.Config, ep int) float64
	// AnyThreads reports whether c's training steps give the same
	// parameters for any number of workers, bit for bit (a learner that
	// runs the tasks of a meta-batch one per worker and combines them in
	// task order, or one that uses a single goroutine), so that a run may
	// go on with other threads than it started with. Nil: never (the
	// sums of split convolutions depend on the split).
	AnyThreads func(c modelfile.Config) bool
}

// Applies reports whether the setting named name (Setting.Name) applies to
// the algorithm: a Common setting, or one its Settings lists.
func (s Spec) Applies(name string) bool {
	if st, ok := SettingNamed(name); ok && st.Common {
		return true
	}
	return slices.Contains(s.Settings, name)
}

// SameForAnyThreads reports whether c's run gives the same parameters for
// any number of worker threads (the spec's AnyThreads; false without it).
func (s Spec) SameForAnyThreads(c modelfile.Config) bool {
	return s.AnyThreads != nil && s.AnyThreads(c)
}

// TasksInParallel is the AnyThreads of a learner whose meta-batch's tasks
// run one per worker (learner.TaskPool, FOMAML and Reptile): true with two
// tasks or more; a lone task spreads its convolutions over the workers.
func TasksInParallel(c modelfile.Config) bool { return c.MetaBatch >= 2 }

// HasHead reports whether c's model has a linear head of c.Way classes
// (an algorithm with a learned head, without proto_head).
func (s Spec) HasHead(c modelfile.Config) bool { return s.Caps.LearnedHead && !c.ProtoHead }

// LR returns the outer learning rate of the step that starts after ep
// episodes (the spec's LRAt, or the halving schedule of lr_halve_every).
func (s Spec) LR(c modelfile.Config, ep int) float64 {
	if s.LRAt != nil {
		return s.LRAt(c, ep)
	}
	return HalvingLR(c, ep)
}

// HalvingLR is the default schedule: c.LR halved every c.LRHalve
// episodes, constant if c.LRHalve is 0.
func HalvingLR(c modelfile.Config, ep int) float64 {
	if c.LRHalve == 0 {
		return c.LR
	}
	return c.LR * math.Pow(0.5, float64(ep/c.LRHalve))
}

var registry struct {
	sync.Mutex
	specs []Spec
}

// Register adds s to the registry. It panics if s has no name, no
// constructor, a name already registered, or Defaults or Quick that Check
// refuses: a programming error found at start-up.
func Register(s Spec) {
	registry.Lock()
	defer registry.Unlock()
	if s.Name == "" || s.New == nil || s.NewParams == nil {
		panic("algo: Register of a spec without Name, New or NewParams")
	}
	for _, r := range registry.specs {
		if r.Name == s.Name {
			panic("algo: Register called twice for " + s.Name)
		}
	}
	for _, n := range s.Settings {
		if _, ok := SettingNamed(n); !ok {
			panic("algo: " + s.Name + " lists unknown setting " + n)
		}
	}
	for what, c := range map[string]modelfile.Config{"Defaults": s.Defaults, "Quick": s.Quick} {
		if c.Algo != s.Name {
			panic(fmt.Sprintf("algo: %s.%s names algorithm %q", s.Name, what, c.Algo))
		}
		if err := check(s, c); err != nil {
			panic(fmt.Sprintf("algo: %s.%s: %v", s.Name, what, err))
		}
	}
	registry.specs = append(registry.specs, s)
	slices.SortStableFunc(registry.specs, func(a, b Spec) int {
		if a.Order != b.Order {
			return a.Order - b.Order
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// All returns the registered algorithms in menu order.
func All() []Spec {
	registry.Lock()
	defer registry.Unlock()
	return slices.Clone(registry.specs)
}

// Names returns the names of the registered algorithms in menu order.
func Names() []string {
	var n []string
	for _, s := range All() {
		n = append(n, s.Name)
	}
	return n
}

// NameList returns the names as text: "protonet, fomaml or reptile".
func NameList() string { return orList(Names()) }

// Lookup returns the algorithm named name, or an error that lists the
// registered ones.
func Lookup(name string) (Spec, error) {
	for _, s := range All() {
		if s.Name == name {
			return s, nil
		}
	}
	return Spec{}, &SettingError{Name: "algo", Args: fmt.Sprintf("-algo %q", name), Msg: "want one of " + strings.Join(Names(), ", ")}
}

// HeadNetParams is the NewParams of an algorithm with a learned head on
// its backbone (FOMAML, Reptile): the backbone c.Net and a c.Way-class
// linear head on its embeddings (learner.Net.NewHeadNetParams), or the
// backbone alone with c.ProtoHead. The backbones share their tensors
// (nn.NewConv4Params); the head's width is the net's embedding length. For
// a net that learner.NetNamed does not know (a config Check refuses, and
// New too) it returns Conv4's.
func HeadNetParams(c modelfile.Config, rng *rand.Rand) *tensor.Set {
	if c.ProtoHead {
		return nn.NewConv4Params(rng)
	}
	net, err := learner.NetNamed(c.Net)
	if err != nil {
		net = learner.Conv4
	}
	return net.NewHeadNetParams(rng, c.Way)
}
