package trainview

import (
	"slices"
	"strings"
	"testing"

	"metaglot/core/algo"
	"metaglot/core/modelfile"
	"metaglot/wasm/trainer/protocol"
)

// formValues returns what the fields of f show, by name, as the page
// reads them.
func formValues(f *Form) map[string]string {
	m := map[string]string{}
	for _, fl := range Fields() {
		m[fl.Name] = f.Value(fl.Name)
	}
	return m
}

// The form offers every setting of a run the CLI has (but
// checkpoint_every), the learner and the start, each with a unique id.
func TestFields(t *testing.T) {
	ids := map[string]bool{}
	var names []string
	for _, f := range Fields() {
		if ids[f.ID] || !strings.HasPrefix(f.ID, "train-") || f.Label == "" {
			t.Errorf("field %+v: id repeated or empty label", f)
		}
		ids[f.ID] = true
		names = append(names, f.Name)
	}
	for _, s := range algo.Settings() {
		if s.Name != "checkpoint_every" && !slices.Contains(names, s.Name) {
			t.Errorf("the form lacks %s (-%s)", s.Name, s.Flag)
		}
	}
	for _, want := range []string{"algo", "init", "bn", "proto_head", "lr_halve_every", "adapt_steps", "split"} {
		if !slices.Contains(names, want) {
			t.Errorf("the form lacks %s", want)
		}
	}
	if FieldID("lr_halve_every") != "train-lr-halve-every" || FieldID("val_every") != "train-val-every" || FieldID("nope") != "" {
		t.Errorf("ids %q %q", FieldID("lr_halve_every"), FieldID("val_every"))
	}
	algos := Fields()[0].Choices
	if !slices.Equal(algos, algo.Names()) {
		t.Errorf("learner menu %v, want the registry's %v", algos, algo.Names())
	}
}

// A learner's fields are its Quick settings, those that apply shown; read
// back unchanged they start exactly that run.
func TestFormDefaults(t *testing.T) {
	for _, spec := range algo.All() {
		f := NewForm(spec.Name, 77)
		want := spec.Quick
		want.Seed = 77
		if f.Config != want {
			t.Errorf("%s: form %+v, want Quick %+v", spec.Name, f.Config, want)
		}
		for _, s := range algo.Settings() {
			// The quick settings use the vinyals split: the Lake-only
			// settings are hidden.
			if f.Shown(s.Name) != (spec.Applies(s.Name) && s.Requires == "") {
				t.Errorf("%s: %s shown %v", spec.Name, s.Name, f.Shown(s.Name))
			}
		}
		vals := formValues(f)
		got, err := Read(func(n string) string { return vals[n] })
		if err != nil || !same(got.Config, want) || got.Init != protocol.InitScratch {
			t.Errorf("%s: read back %+v, %v", spec.Name, got, err)
		}
	}
	if !NewForm("fomaml", 1).Shown("bn") || NewForm("protonet", 1).Shown("bn") || !NewForm("protonet", 1).Shown("init") {
		t.Error("bn is FOMAML's, not ProtoNet's; init is everyone's")
	}
}

func TestReadRefuses(t *testing.T) {
	base := formValues(NewForm("protonet", 1))
	for _, tc := range []struct{ field, value, want string }{
		{"way", "five", `Classes (N) "five" is not a whole number`},
		{"way", "9000", "Classes (N) 9000: want 2 to 5000"},
		{"way", "4801", "images per episode, over the limit of 5000"},
		{"query", "16", "shot+query ≤ 20"},
		{"lr", "-0.01", "Learning rate -0.01: want a positive number"},
		{"lr", "fast", `"fast" is not a number`},
		{"seed", "-1", "not a whole number ≥ 0"},
		{"init", "yesterday", `start from "yesterday"`},
		{"algo", "maml2", `unknown learner "maml2"`},
	} {
		form := maps(base)
		form[tc.field] = tc.value
		_, err := Read(func(n string) string { return form[n] })
		field := tc.field
		if tc.value == "9000" {
			field = "way"
		}
		if FieldOf(err) != field || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s = %q: %v (field %q), want field %s saying %q", tc.field, tc.value, err, FieldOf(err), field, tc.want)
		}
	}
	// A field of another learner is not read.
	form := maps(base)
	form["inner_lr"], form["bn"] = "garbage", "garbage"
	if _, err := Read(func(n string) string { return form[n] }); err != nil {
		t.Errorf("ProtoNet read FOMAML's fields: %v", err)
	}
	f := formValues(NewForm("fomaml", 1))
	f["inner_lr"] = "11"
	if _, err := Read(func(n string) string { return f[n] }); FieldOf(err) != "inner_lr" || !strings.Contains(err.Error(), "at most 10") {
		t.Errorf("inner lr 11: %v", err)
	}
	f["inner_lr"], f["bn"] = "0.4", "sometimes"
	if _, err := Read(func(n string) string { return f[n] }); FieldOf(err) != "bn" {
		t.Errorf("bn sometimes: %v", err)
	}
}

// same reports whether a and b hold the same settings (a menu's "" and
// its first choice alike).
func same(a, b modelfile.Config) bool {
	for _, s := range algo.Settings() {
		if !s.Equal(a, b) {
			return false
		}
	}
	return a.Algo == b.Algo
}

func maps(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Continuing the bundled model shows, and starts, its recorded recipe.
func TestRecipe(t *testing.T) {
	f := NewForm("fomaml", 5)
	if _, ok := f.RecipeNeeded(); ok {
		t.Fatal("a recipe asked for a run from scratch")
	}
	f.Choose("fomaml", protocol.InitBundled, 5)
	a, ok := f.RecipeNeeded()
	if !ok || a != "fomaml" {
		t.Fatalf("recipe needed: %q %v", a, ok)
	}
	if _, again := f.RecipeNeeded(); again {
		t.Fatal("the recipe asked for twice")
	}
	if f.Config.BN != "" || f.Config.ProtoHead {
		t.Fatalf("before the recipe: the page's own settings, got %+v", f.Config)
	}
	recipe := `{"algo":"fomaml","split":"vinyals","way":5,"shot":1,"query":15,"episodes":60000,"lr":0.0005,"inner_steps":5,"inner_lr":0.003,"adapt_steps":10,"meta_batch":32,"proto_head":true,"bn":"running","seed":9,"checkpoint_every":100,"val_every":500,"val_episodes":100}`
	if _, err := f.SetRecipe("fomaml", map[string]string{"config": `{"algo":"reptile"}`}); err == nil {
		t.Fatal("Reptile's settings taken as FOMAML's recipe")
	}
	if shown, err := f.SetRecipe("fomaml", map[string]string{"config": recipe}); err != nil || !shown {
		t.Fatal(shown, err)
	}
	c := f.Config
	if c.BN != "running" || !c.ProtoHead || c.InnerLR != 0.003 || c.InnerSteps != 5 || c.LR != 0.0005 || c.MetaBatch != 32 || c.Query != 15 {
		t.Fatalf("the form does not show the recipe: %+v", c)
	}
	quick, _ := algo.Lookup("fomaml")
	if c.Episodes != quick.Quick.Episodes || c.ValEvery != quick.Quick.ValEvery || c.Seed != 5 {
		t.Fatalf("run length and seed are the page's, got %+v", c)
	}
	vals := formValues(f)
	if vals["bn"] != "running" || vals["proto_head"] != "true" {
		t.Fatalf("fields %v", vals)
	}
	st, err := Read(func(n string) string { return vals[n] })
	if err != nil || !same(st.Config, c) || st.Init != protocol.InitBundled {
		t.Fatalf("read %+v, %v", st, err)
	}
	// From scratch again: the page's settings.
	f.Choose("fomaml", protocol.InitScratch, 5)
	if f.Config.BN != "" || f.Config.ProtoHead {
		t.Fatalf("from scratch with the recipe's settings: %+v", f.Config)
	}
}

// From scratch with the bundled model's recipe: the recipe's settings (for
// the bundled FOMAML, Finn et al.'s), the page's run length, random
// weights (the worker is sent InitScratch).
func TestRecipeFromScratch(t *testing.T) {
	f := NewForm("fomaml", 5)
	f.Choose("fomaml", InitRecipe, 5)
	if a, ok := f.RecipeNeeded(); !ok || a != "fomaml" {
		t.Fatalf("recipe needed: %q %v", a, ok)
	}
	finn := `{"algo":"fomaml","split":"vinyals","way":5,"shot":1,"query":1,"episodes":1920000,"lr":0.001,"inner_steps":1,"inner_lr":0.4,"adapt_steps":10,"meta_batch":32,"seed":1,"checkpoint_every":3200,"val_every":32000,"val_episodes":200}`
	if shown, err := f.SetRecipe("fomaml", map[string]string{"config": finn}); err != nil || !shown {
		t.Fatal(shown, err)
	}
	quick, _ := algo.Lookup("fomaml")
	c := f.Config
	if c.MetaBatch != 32 || c.Query != 1 || c.InnerLR != 0.4 || c.InnerSteps != 1 || c.LR != 0.001 || c.BN != "" || c.ProtoHead ||
		c.Episodes != quick.Quick.Episodes || c.ValEvery != quick.Quick.ValEvery || c.ValEpisodes != quick.Quick.ValEpisodes || c.Seed != 5 {
		t.Fatalf("from scratch with the recipe: %+v", c)
	}
	vals := formValues(f)
	if vals["init"] != InitRecipe || vals["meta_batch"] != "32" || vals["query"] != "1" {
		t.Fatalf("fields %v", vals)
	}
	st, err := Read(func(n string) string { return vals[n] })
	if err != nil || !same(st.Config, c) || st.Init != protocol.InitScratch {
		t.Fatalf("read %+v, %v", st, err)
	}
}

// The start command carries the settings as modelfile.Config and the
// start; the worker decodes them as sent.
func TestStartCommand(t *testing.T) {
	f := NewForm("fomaml", 3)
	f.Config.BN, f.Config.ProtoHead, f.Config.LRHalve = "running", true, 500
	st := Start{Config: f.Config, Init: protocol.InitBundled}
	c, err := protocol.DecodeCommand(protocol.Encode(st.Command()))
	if err != nil || c.Type != protocol.CmdStart || c.Init != protocol.InitBundled || c.Config == nil || *c.Config != f.Config {
		t.Fatalf("decoded %+v (config %+v), %v", c, c.Config, err)
	}
}

// A recipe that arrives after the user chose another start (or learner)
// leaves the form, and so the fields the page fills from it, alone: it is
// kept for later, and shown when a start that takes it is chosen.
func TestLateRecipeKeepsTheForm(t *testing.T) {
	finn := map[string]string{"config": `{"algo":"fomaml","split":"vinyals","way":5,"shot":1,"query":1,"episodes":1920000,"lr":0.001,"inner_steps":1,"inner_lr":0.4,"adapt_steps":10,"meta_batch":32,"seed":1}`}
	for _, moved := range []struct{ algo, init string }{
		{"fomaml", protocol.InitCurrent}, {"fomaml", protocol.InitScratch}, {"protonet", InitRecipe},
	} {
		f := NewForm("fomaml", 5)
		f.Choose("fomaml", InitRecipe, 5)
		if _, ok := f.RecipeNeeded(); !ok {
			t.Fatal("no recipe asked for")
		}
		f.Choose(moved.algo, moved.init, 5)
		f.Config.Way, f.Config.LR = 7, 0.02 // typed by the user
		typed := f.Config
		shown, err := f.SetRecipe("fomaml", finn)
		if err != nil || shown || f.Config != typed || f.Init != moved.init {
			t.Fatalf("recipe after moving to %+v: shown %v, %v, form %+v (%s), want %+v", moved, shown, err, f.Config, f.Init, typed)
		}
		f.Choose("fomaml", InitRecipe, 5)
		if f.Config.MetaBatch != 32 || f.Config.InnerLR != 0.4 {
			t.Fatalf("the kept recipe is not shown when chosen again: %+v", f.Config)
		}
	}
}

func TestStartSummary(t *testing.T) {
	c := NewForm("fomaml", 1<<60+1).Config
	c.BN, c.ProtoHead = "running", true
	m := Start{Config: c, Init: protocol.InitBundled}.Summary()
	if m["algo"] != "fomaml" || m["init"] != "bundled" || m["bn"] != "running" || m["proto_head"] != true ||
		m["inner_lr"] != 0.4 || m["way"] != 5 || m["seed"] != "1152921504606846977" {
		t.Fatalf("%v", m)
	}
}

// TestLakeOnlyFields: rotations and val_alphabets (algo: Requires
// split=lake) show only with the lake split, and a hidden one is not read
// (a box ticked under lake, then split set back to vinyals, starts a
// vinyals run instead of being refused); augment applies to both splits.
func TestLakeOnlyFields(t *testing.T) {
	f := NewForm("protonet", 1)
	if f.Shown("rotations") || f.Shown("val_alphabets") || !f.Shown("augment") || !f.Shown("split") {
		t.Fatalf("vinyals: rotations %v, val_alphabets %v, augment %v", f.Shown("rotations"), f.Shown("val_alphabets"), f.Shown("augment"))
	}
	if err := f.Set("split", "lake"); err != nil {
		t.Fatal(err)
	}
	if !f.Shown("rotations") || !f.Shown("val_alphabets") {
		t.Fatal("lake: the Lake settings are hidden")
	}
	if err := f.Set("split", "moon"); err == nil || f.Config.Split != "lake" {
		t.Errorf("split moon: %v, split %q", err, f.Config.Split)
	}
	vals := formValues(f)
	vals["rotations"], vals["val_alphabets"] = "true", "5"
	got, err := Read(func(n string) string { return vals[n] })
	if err != nil || !got.Config.Rotations || got.Config.ValAlphabets != 5 {
		t.Fatalf("lake: %+v, %v", got.Config, err)
	}
	vals["split"] = "vinyals"
	got, err = Read(func(n string) string { return vals[n] })
	if err != nil || got.Config.Rotations || got.Config.ValAlphabets != 0 || got.Config.Split != "vinyals" {
		t.Fatalf("back to vinyals with the Lake fields set: %+v, %v", got.Config, err)
	}
}
