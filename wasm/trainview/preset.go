package trainview

import (
	"fmt"

	"metaglot/core/algo"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/wasm/trainer/protocol"
)

// Preset is a ready-made small run for a demo: a teacher picks it from the
// Train view's "Quick demo" menu and the form's fields are filled with it
// (they can still be changed before Start). The learner's Quick settings
// are made smaller where that shows the idea sooner: 5 classes with 1
// example each, a held-out measurement every 25 episodes, a few hundred
// episodes.
type Preset struct {
	// Name is the menu value.
	Name string
	// Label is what the menu shows, in plain words.
	Label string
	// Config is the run; its seed is chosen when it is applied.
	Config modelfile.Config
}

// Presets returns the demo presets of the registered learners, in menu
// order (a learner not registered has none).
func Presets() []Preset {
	var out []Preset
	add := func(name, a, label string, set func(c *modelfile.Config)) {
		spec, err := algo.Lookup(a)
		if err != nil || spec.Name != a {
			return
		}
		c := spec.Quick
		c.Way, c.Shot, c.Query = 5, 1, 5
		c.ValEvery = 25
		set(&c)
		out = append(out, Preset{Name: name, Label: label, Config: c})
	}
	add("protonet-5w1s", "protonet", "ProtoNet, 5 classes × 1 example: first held-out score within seconds",
		func(c *modelfile.Config) { c.Episodes, c.ValEpisodes = 200, 20 })
	add("fomaml-small", "fomaml", "FOMAML (learns a starting point), 5 classes × 1 example, small",
		func(c *modelfile.Config) { c.Episodes, c.ValEpisodes = 300, 10 })
	add("reptile-small", "reptile", "Reptile (learns a starting point), 5 classes × 1 example, small",
		func(c *modelfile.Config) { c.Episodes, c.ValEpisodes = 300, 10 })
	// Finn et al.'s and Nichol et al.'s Omniglot network: convolutions of
	// stride 2 instead of max-pooling, about a quarter of the work.
	add("fomaml-s2-small", "fomaml", "FOMAML on the stride-2 network of Finn et al. (conv4s2), 5 classes × 1 example, small",
		func(c *modelfile.Config) { c.Episodes, c.ValEpisodes, c.Net = 300, 10, learner.Conv4S2.Name })
	return out
}

// ApplyPreset makes the form show preset name, starting from scratch, with
// seed in the seed field. An unknown name changes nothing and says so.
func (f *Form) ApplyPreset(name string, seed uint64) error {
	for _, p := range Presets() {
		if p.Name == name {
			f.Config, f.Init = p.Config, protocol.InitScratch
			f.Config.Seed = seed
			return nil
		}
	}
	return fmt.Errorf("no quick demo named %q", name)
}
