package algo_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"metaglot/core/algo"
	_ "metaglot/core/algo/all"
	"metaglot/core/modelfile"
)

func TestRegistered(t *testing.T) {
	if got, want := algo.Names(), []string{"protonet", "fomaml", "reptile", "mann"}; !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v (menu order)", got, want)
	}
	if got := algo.NameList(); got != "protonet, fomaml, reptile or mann" {
		t.Errorf("NameList() = %q", got)
	}
	for _, s := range algo.All() {
		if s.Label == "" || s.Description == "" {
			t.Errorf("%s: no label or description", s.Name)
		}
		for _, c := range []modelfile.Config{s.Defaults, s.Quick} {
			if err := algo.Check(c); err != nil {
				t.Errorf("%s: %v", s.Name, err)
			}
		}
		p := s.NewParams(s.Quick, rand.New(rand.NewPCG(1, 2)))
		if _, err := s.New(s.Quick, p, nil); err != nil {
			t.Errorf("%s: New on its own NewParams: %v", s.Name, err)
		}
	}
}

func TestLookupUnknown(t *testing.T) {
	_, err := algo.Lookup("svm")
	var se *algo.SettingError
	if !errors.As(err, &se) || se.Name != "algo" || !strings.Contains(err.Error(), `-algo "svm"`) || !strings.Contains(err.Error(), "protonet, fomaml, reptile") {
		t.Errorf("Lookup(svm) = %v, want a SettingError for algo listing the algorithms", err)
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	s, err := algo.Lookup("protonet")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "twice") {
			t.Errorf("second Register of protonet: recover() = %v, want a panic saying twice", r)
		}
	}()
	algo.Register(s)
}

func TestCheck(t *testing.T) {
	def := func(name string, edit func(*modelfile.Config)) modelfile.Config {
		s, err := algo.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		c := s.Defaults
		edit(&c)
		return c
	}
	for _, tc := range []struct {
		name    string
		c       modelfile.Config
		setting string
		msg     string
	}{
		{"way1", def("protonet", func(c *modelfile.Config) { c.Way = 1 }), "way", "-way 1: want 2 to 5000"},
		{"way1e12", def("fomaml", func(c *modelfile.Config) { c.Way = 1e12 }), "way", "-way 1000000000000"},
		{"shotquery", def("protonet", func(c *modelfile.Config) { c.Shot, c.Query = 15, 10 }), "query", "shot+query"},
		{"images", def("protonet", func(c *modelfile.Config) { c.Way = 5000 }), "way", "50000 images per episode"},
		{"metabatch", def("fomaml", func(c *modelfile.Config) { c.MetaBatch = 1e9 }), "meta_batch", "-meta-batch 1000000000"},
		{"innerlr", def("fomaml", func(c *modelfile.Config) { c.InnerLR = 1e6 }), "inner_lr", "-inner-lr 1e+06: want a number above 0 and at most 10"},
		{"innerlr0", def("reptile", func(c *modelfile.Config) { c.InnerLR = 0 }), "inner_lr", "-inner-lr 0"},
		{"lrnan", def("protonet", func(c *modelfile.Config) { c.LR = math.NaN() }), "lr", "a positive number"},
		{"lrinf", def("protonet", func(c *modelfile.Config) { c.LR = math.Inf(1) }), "lr", "a positive number"},
		{"bnbatch", def("fomaml", func(c *modelfile.Config) { c.BN = "batch" }), "bn", `-bn "batch": want support, running or transductive`},
		{"bnprotonet", def("protonet", func(c *modelfile.Config) { c.BN = "running" }), "bn", "-bn running: protonet does not use it"},
		{"innerprotonet", def("protonet", func(c *modelfile.Config) { c.InnerSteps = 3 }), "inner_steps", "protonet does not use it"},
		{"halvereptile", def("reptile", func(c *modelfile.Config) { c.LRHalve = 10 }), "lr_halve_every", "reptile does not use it"},
		{"protoheadreptile", def("reptile", func(c *modelfile.Config) { c.ProtoHead = true }), "proto_head", "Reptile does not learn with it"},
		{"split", def("protonet", func(c *modelfile.Config) { c.Split = "omniglot" }), "split", "want vinyals or lake"},
		{"valepisodes", def("fomaml", func(c *modelfile.Config) { c.ValEpisodes = 1e12 }), "val_episodes", "-val-episodes 1000000000000"},
		{"checkpoint0", def("fomaml", func(c *modelfile.Config) { c.CheckpointEvery = 0 }), "checkpoint_every", "-checkpoint-every 0: want ≥ 1"},
		{"algo", def("fomaml", func(c *modelfile.Config) { c.Algo = "anil" }), "algo", `-algo "anil"`},
	} {
		err := algo.Check(tc.c)
		var se *algo.SettingError
		if !errors.As(err, &se) || se.Name != tc.setting || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: Check = %v, want a SettingError for %s saying %q", tc.name, err, tc.setting, tc.msg)
		}
	}
	// The settings of older files: "" for bn means support.
	c := def("fomaml", func(c *modelfile.Config) { c.BN = "" })
	if err := algo.Check(c); err != nil {
		t.Errorf("bn \"\": %v", err)
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	s, _ := algo.Lookup("fomaml")
	c := s.Defaults
	c.BN, c.ProtoHead, c.Seed, c.InnerLR = "running", true, math.MaxUint64, 0.003
	for _, st := range algo.Settings() {
		var d modelfile.Config
		if err := st.Parse(&d, st.Format(c)); err != nil {
			t.Fatalf("%s: %v", st.Name, err)
		}
		if !st.Equal(c, d) {
			t.Errorf("%s: %v after Format and Parse, want %v", st.Name, st.Get(d), st.Get(c))
		}
		var e modelfile.Config
		st.Copy(&e, c)
		if !st.Equal(c, e) {
			t.Errorf("%s: Copy gave %v, want %v", st.Name, st.Get(e), st.Get(c))
		}
		if st.Flag == "" || st.Label == "" || st.Help == "" {
			t.Errorf("%s: no flag, label or help", st.Name)
		}
	}
	way, _ := algo.SettingNamed("way")
	err := way.Parse(&c, "five")
	var se *algo.SettingError
	if !errors.As(err, &se) || se.Name != "way" || !strings.Contains(err.Error(), `-way "five": not an int`) {
		t.Errorf("Parse(five) = %v", err)
	}
	bn, _ := algo.SettingNamed("bn")
	if !bn.Equal(modelfile.Config{BN: ""}, modelfile.Config{BN: "support"}) {
		t.Error(`bn "" and "support" differ`)
	}
}

// Every field of modelfile.Config but algo and init is a Setting, under
// its JSON key.
func TestSettingsCoverConfig(t *testing.T) {
	var names []string
	for _, st := range algo.Settings() {
		names = append(names, st.Name)
	}
	for _, key := range configKeys(t) {
		if key == "algo" || key == "init" {
			continue
		}
		if !slices.Contains(names, key) {
			t.Errorf("modelfile.Config field %q has no Setting", key)
		}
	}
}

func TestApplies(t *testing.T) {
	p, _ := algo.Lookup("protonet")
	r, _ := algo.Lookup("reptile")
	switch {
	case !p.Applies("way") || p.Applies("bn") || !p.Applies("lr_halve_every"):
		t.Error("protonet: way applies, bn does not, lr_halve_every does")
	case !r.Applies("bn") || r.Applies("lr_halve_every"):
		t.Error("reptile: bn applies, lr_halve_every does not")
	}
}

func TestLR(t *testing.T) {
	p, _ := algo.Lookup("protonet")
	r, _ := algo.Lookup("reptile")
	pc := p.Defaults // 1e-3 halved every 2000
	if got := p.LR(pc, 4000); got != 2.5e-4 {
		t.Errorf("protonet lr at 4000 = %v, want 2.5e-4", got)
	}
	rc := r.Defaults // ε from 1 to 0 over 500 000 tasks (100 000 meta-batches of 5)
	if got := r.LR(rc, 125000); got != 0.75 {
		t.Errorf("reptile ε at 125 000 = %v, want 0.75", got)
	}
	if got := r.LR(rc, 600000); got != 0 {
		t.Errorf("reptile ε past the end = %v, want 0", got)
	}
}

// TestRequires: a setting that requires another's value ("split=lake")
// names a real setting and one of its choices, and Check refuses a
// non-zero value of it whenever the requirement is not met, so that a
// form hiding the field loses nothing.
func TestRequires(t *testing.T) {
	n := 0
	for _, st := range algo.Settings() {
		if st.Requires == "" {
			continue
		}
		n++
		name, want, ok := strings.Cut(st.Requires, "=")
		other, found := algo.SettingNamed(name)
		if !ok || !found || (other.Kind == algo.Choice && !slices.Contains(other.Choices, want)) {
			t.Fatalf("%s requires %q: no such setting and value", st.Name, st.Requires)
		}
		s, _ := algo.Lookup("protonet")
		c := s.Defaults
		if err := other.Parse(&c, want); err != nil {
			t.Fatal(err)
		}
		for _, v := range other.Choices {
			if v == want {
				continue
			}
			bad := c
			if err := other.Parse(&bad, v); err != nil {
				t.Fatal(err)
			}
			if err := st.Parse(&bad, map[algo.Kind]string{algo.Bool: "true", algo.Int: "1", algo.Float: "1"}[st.Kind]); err != nil {
				t.Fatal(err)
			}
			var se *algo.SettingError
			if err := algo.Check(bad); !errors.As(err, &se) || se.Name != st.Name {
				t.Errorf("%s set with %s %s: Check says %v", st.Name, name, v, err)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d settings require another's value, want 2 (rotations, val_alphabets)", n)
	}
}

// TestSameForAnyThreads: FOMAML and Reptile runs give the same parameters
// for any threads with two tasks a step or more (one per worker), not with
// one (its convolutions split over the workers); MANN's always (one
// goroutine); ProtoNet's never (split convolutions).
func TestSameForAnyThreads(t *testing.T) {
	for _, tc := range []struct {
		name      string
		metaBatch int
		want      bool
	}{
		{"fomaml", 1, false}, {"fomaml", 2, true}, {"reptile", 1, false}, {"reptile", 5, true},
		{"mann", 1, true}, {"protonet", 1, false},
	} {
		s, err := algo.Lookup(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		c := s.Defaults
		c.MetaBatch = tc.metaBatch
		if got := s.SameForAnyThreads(c); got != tc.want {
			t.Errorf("%s with meta-batch %d: SameForAnyThreads = %v, want %v", tc.name, tc.metaBatch, got, tc.want)
		}
	}
}
