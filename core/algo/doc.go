// Package algo is the registry of metaglot's meta-learning algorithms: for
// each one its name, label and description, the settings that apply to it
// (with their defaults, ranges and choices), how to validate a run's
// settings, how to build its parameters and its learner, and what it can
// do. Everything that offers a choice of algorithm — the CLI's -algo and
// its flags and help, the page's menus and Train form, the trainer's
// protocol, the shared learner test suite — reads it from here; nothing
// else keeps a list of algorithms or switches on their names.
//
// # Registering
//
// Each algorithm registers itself once, in an init function of its own
// package, as image/png registers a format and database/sql drivers
// register themselves:
//
//	func init() {
//		algo.Register(algo.Spec{
//			Name:     "protonet",
//			Label:    "ProtoNet",
//			Settings: []string{"lr_halve_every"}, // beyond the common ones
//			Defaults: modelfile.Config{Algo: "protonet", Way: 60, ...},
//			Quick:    modelfile.Config{Algo: "protonet", Way: 20, ...},
//			NewParams: func(c modelfile.Config, rng *rand.Rand) *tensor.Set { ... },
//			New:       func(c modelfile.Config, p *tensor.Set, par nn.Parallel) (learner.Learner, error) { ... },
//		})
//	}
//
// A program gets every algorithm by importing the package that imports
// them all, for its side effect:
//
//	import _ "metaglot/core/algo/all"
//
// Adding an algorithm is one package with that init function plus one
// line in core/algo/all. The table is filled at start-up and read-only
// afterwards.
//
// # Settings
//
// The settings of a run are one type, modelfile.Config, the "config" a
// model or checkpoint file records. Settings returns its schema: one
// Setting per field, named by its JSON key (lr_halve_every), with its CLI
// flag (-lr-halve-every), kind (int, float, bool, choice), range or
// choices, and whether it applies to every algorithm (Common) or only to
// those whose Spec lists it. Check validates a Config against the schema,
// the cross-field limits (images per episode and per step) and the
// algorithm's own Validate, returning a *SettingError that names the
// setting.
//
// # Using it
//
//	spec, err := algo.Lookup("fomaml")
//	cfg := spec.Defaults          // the reference recipe
//	cfg.Way = 20
//	if err := algo.Check(cfg); err != nil { ... } // *SettingError
//	params := spec.NewParams(cfg, rng)
//	l, err := spec.New(cfg, params, nil) // a learner.Learner
package algo
