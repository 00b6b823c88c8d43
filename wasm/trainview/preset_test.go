package trainview

import (
	"strings"
	"testing"

	"metaglot/core/algo"
	"metaglot/wasm/trainer/protocol"
)

// Each quick demo fills the form with a run the form reads back as it is
// (every field the learner uses, algo.Check's rules), from scratch, small
// enough to show a held-out measurement early: 5 classes, 1 example, a
// held-out point every 25 episodes or sooner.
func TestPresets(t *testing.T) {
	ps := Presets()
	algos := map[string]bool{}
	for _, p := range ps {
		algos[p.Config.Algo] = true
	}
	for _, a := range []string{"protonet", "fomaml", "reptile"} {
		if !algos[a] {
			t.Errorf("no quick demo of %s", a)
		}
	}
	nets := map[string]bool{}
	for _, p := range ps {
		nets[p.Config.Net] = true
	}
	if !nets["conv4s2"] {
		t.Error("no quick demo of the conv4s2 network")
	}
	for _, p := range ps {
		f := NewForm("reptile", 1)
		f.Init = protocol.InitBundled
		if err := f.ApplyPreset(p.Name, 99); err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		got, err := Read(func(name string) string { return f.Value(name) })
		if err != nil {
			t.Fatalf("%s: the form refuses its own preset: %v", p.Name, err)
		}
		want := p.Config
		want.Seed = 99
		for _, s := range algo.Settings() {
			if s.Name != "checkpoint_every" && s.Format(got.Config) != s.Format(want) { // an empty BN reads as its default
				t.Errorf("%s: the form reads %s %s, want %s", p.Name, s.Name, s.Format(got.Config), s.Format(want))
			}
		}
		if got.Config.Algo != want.Algo || got.Init != protocol.InitScratch {
			t.Errorf("%s: the form reads %s from %s, want %s from scratch", p.Name, got.Config.Algo, got.Init, want.Algo)
		}
		c := got.Config
		if c.Way != 5 || c.Shot != 1 || c.ValEvery < 1 || c.ValEvery > 25 || c.Episodes > 500 {
			t.Errorf("%s: %d-way %d-shot, held-out every %d of %d episodes: not a quick demo", p.Name, c.Way, c.Shot, c.ValEvery, c.Episodes)
		}
		if p.Label == "" || strings.Contains(p.Label, "_") {
			t.Errorf("%s: label %q is not plain words", p.Name, p.Label)
		}
	}
	f := NewForm("protonet", 1)
	before := f.Config
	if err := f.ApplyPreset("nope", 2); err == nil || !strings.Contains(err.Error(), `"nope"`) || f.Config != before {
		t.Errorf("unknown preset: %v, form changed %v", err, f.Config != before)
	}
}
