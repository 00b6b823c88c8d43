package main

import (
	"flag"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Every built-in recipe is valid train flags and settings.
func TestRecipesAreValid(t *testing.T) {
	rs := recipes()
	if len(rs) < 9 {
		t.Fatalf("%d recipes, want the 9 of the bundled and kept models", len(rs))
	}
	for _, r := range rs {
		fs := flag.NewFlagSet(r.name, flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		algoName := fs.String("algo", "", "")
		fs.String("init", "", "")
		fs.String("resume-from", "", "")
		addSettingFlags(fs)
		if err := fs.Parse(r.args); err != nil || fs.NArg() > 0 {
			t.Errorf("recipe %s: %v (args left: %v)", r.name, err, fs.Args())
			continue
		}
		c := defaultConfig(*algoName)
		applyFlags(&c, fs)
		if err := c.check(); err != nil {
			t.Errorf("recipe %s: %v", r.name, err)
		}
		if r.about == "" {
			t.Errorf("recipe %s has no comment saying what it is", r.name)
		}
	}
	if _, err := recipeNamed("fomaml-scratch-supportbn"); err != nil {
		t.Error(err)
	}
}

func TestParseRecipesRefuses(t *testing.T) {
	for text, msg := range map[string]string{
		"  -way 5\n":                "line 1: flags without a recipe name",
		"a -way 5\n\n# x\na -way 6": "line 4: recipe \"a\" given twice",
	} {
		if _, err := parseRecipes(text); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("parseRecipes(%q) = %v, want %q", text, err, msg)
		}
	}
}

// train -recipe takes the recipe's settings, the command line's flags
// over them, and resumes with -resume (the recipe's settings must then
// match the run's).
func TestTrainRecipe(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	small := []string{"-way", "5", "-shot", "1", "-query", "1", "-val-every", "0", "-checkpoint-every", "1",
		"-assets", testAssets, "-threads", "1", "-progress=false", "-out", out}
	if code, _, stderr := runCLI(append([]string{"train", "-recipe", "protonet-5shot", "-episodes", "2"}, small...)...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	_, _, m, err := loadModel(filepath.Join(out, modelFile))
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Config; c.Algo != "protonet" || c.LR != 1e-3 || c.LRHalve != 2000 || c.Way != 5 || c.Episodes != 2 || c.CheckpointEvery != 1 {
		t.Errorf("config of a protonet-5shot run with overrides: %+v", c)
	}
	if code, _, stderr := runCLI(append([]string{"train", "-recipe=protonet-5shot", "-resume", "-episodes", "4"}, small...)...); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if _, _, m, _ = loadModel(filepath.Join(out, modelFile)); m.Episodes != 4 {
		t.Errorf("resumed run at episode %d, want 4", m.Episodes)
	}
	// Another recipe's settings differ from the run's.
	code, _, stderr := runCLI(append([]string{"train", "-recipe", "protonet", "-resume", "-episodes", "6"}, small...)...)
	if code != 2 || !strings.Contains(stderr, "differs from the run") {
		t.Errorf("resume with another recipe: exit %d, stderr %q", code, stderr)
	}
	if code, stdout, _ := runCLI("recipes"); code != 0 || !strings.Contains(stdout, "fomaml-scratch-supportbn\n    -algo fomaml") {
		t.Errorf("metaglot recipes: exit %d, %q", code, stdout)
	}
}

// The bundled FOMAML, Reptile and MANN models are what their recipes
// train: the settings a file records are its recipe's (the training length
// and the run-time settings aside), so that `make pretrain PRETRAIN=NAME`,
// which resumes ../runs/NAME with -recipe NAME, continues the very run of
// the file. The page's FOMAML and Reptile (fomaml, reptile) are the
// transductive-BatchNorm ones. So are the checkpoints of unfinished runs in
// checkpoints/, which make pretrain continues with their recipes.
func TestBundledMatchesItsRecipe(t *testing.T) {
	files := map[string]string{}
	for name, bn := range map[string]string{"fomaml": "transductive", "fomaml-stage1": "transductive", "fomaml-conv4": "transductive", "fomaml-scratch-supportbn": "",
		"reptile": "transductive", "reptile-stage1": "transductive", "reptile-conv4": "", "fomaml-20": "transductive", "fomaml-20-long": "transductive", "reptile-20": "transductive", "reptile-20-stage1": "transductive", "reptile-20-long": "transductive", "mann": "", "mann-stage1": ""} {
		files[filepath.Join(testAssets, "models", name+".safetensors")] = bn
	}
	ckpts, err := filepath.Glob("../../checkpoints/*.safetensors")
	if err != nil || len(ckpts) == 0 {
		t.Fatalf("no checkpoints in ../../checkpoints (%v)", err)
	}
	for _, f := range ckpts {
		files[f] = "any"
	}
	for file, bn := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".safetensors")
		r, err := recipeNamed(name)
		if err != nil {
			t.Fatal(err)
		}
		fs := flag.NewFlagSet(r.name, flag.ContinueOnError)
		algoName := fs.String("algo", "", "")
		fs.String("init", "", "")
		fs.String("resume-from", "", "")
		addSettingFlags(fs)
		if err := fs.Parse(r.args); err != nil {
			t.Fatalf("recipe %s: %v", name, err)
		}
		want := defaultConfig(*algoName)
		applyFlags(&want, fs)
		_, _, m, err := loadModel(file)
		if err != nil {
			t.Fatal(err)
		}
		if bn != "any" && m.Config.BN != bn {
			t.Errorf("%s.safetensors: bn %q, want %q", name, m.Config.BN, bn)
		}
		runTimeOnly(&want, m.Config.Config)
		if d := configDiff(runConfig{m.Config.Config}, want); d != "" {
			t.Errorf("%s.safetensors was trained with other settings than recipe %s: the recipe has %s, the file %s", name, name, d, configDiff(want, runConfig{m.Config.Config}))
		}
	}
}

// TestS2RecipesFollowTheirs: the bundled FOMAML's first stage (fomaml-stage1) is
// fomaml-conv4 on the stride-2 network, and reptile-s2 is reptile-nichol
// on it with Nichol et al.'s inner minibatches of 10, every other setting
// the same; the bundled Reptile is reptile-s2 in two sittings
// (reptile-stage1, then reptile).
func TestS2RecipesFollowTheirs(t *testing.T) {
	config := func(name string) runConfig {
		r, err := recipeNamed(name)
		if err != nil {
			t.Fatal(err)
		}
		fs := flag.NewFlagSet(r.name, flag.ContinueOnError)
		algoName := fs.String("algo", "", "")
		fs.String("init", "", "")
		fs.String("resume-from", "", "")
		addSettingFlags(fs)
		if err := fs.Parse(r.args); err != nil {
			t.Fatalf("recipe %s: %v", name, err)
		}
		c := defaultConfig(*algoName)
		applyFlags(&c, fs)
		return c
	}
	for s2, parent := range map[string]string{"fomaml-stage1": "fomaml-conv4", "reptile-s2": "reptile-nichol"} {
		got, want := config(s2), config(parent)
		if got.Net != "conv4s2" {
			t.Errorf("recipe %s: net %q, want conv4s2", s2, got.Net)
		}
		want.Net = got.Net
		if s2 == "reptile-s2" {
			if got.InnerBatch != 10 {
				t.Errorf("recipe %s: inner batch %d, want Nichol et al.'s 10", s2, got.InnerBatch)
			}
			want.InnerBatch = got.InnerBatch
		}
		if d := configDiff(want, got); d != "" {
			t.Errorf("recipe %s differs from %s in %s (%s there)", s2, parent, d, configDiff(got, want))
		}
	}
	// The page's Reptile is reptile-s2, trained in two sittings: its first
	// stage has half the meta-iterations, the second goes on to all of them.
	got, want := config("reptile-stage1"), config("reptile-s2")
	if got.Episodes != want.Episodes/2 {
		t.Errorf("recipe reptile-stage1: %d episodes, want half of reptile-s2's %d", got.Episodes, want.Episodes)
	}
	want.Episodes = got.Episodes
	if d := configDiff(want, got); d != "" {
		t.Errorf("recipe reptile-stage1 differs from reptile-s2 in %s (%s there)", d, configDiff(got, want))
	}
	if d := configDiff(config("reptile-s2"), config("reptile")); d != "" {
		t.Errorf("recipe reptile differs from reptile-s2 in %s", d)
	}
}

// A recipe that starts from a model file (-init, or -resume-from to go on
// with the run of one) can be continued: with -resume from its run's
// checkpoint, or with -resume-from from a model or checkpoint file of its
// run; either way the recipe's own start is left out, and nothing else of
// it.
func TestWithRecipeResumeDropsInit(t *testing.T) {
	for name, start := range map[string]string{"reptile-20-stage1": "-init", "reptile-20": "-resume-from", "reptile": "-resume-from"} {
		r, err := recipeNamed(name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(r.args, start) {
			t.Fatalf("recipe %s has no %s: %v", name, start, r.args)
		}
		for _, extra := range [][]string{nil, {"-resume"}, {"-resume-from", "x.safetensors"}, {"--resume-from=x.safetensors"}} {
			args := append([]string{"-recipe", name}, extra...)
			got, err := withRecipe(args)
			if err != nil {
				t.Fatal(err)
			}
			kept := slices.Contains(got[:len(got)-len(args)], start)
			if want := extra == nil; kept != want {
				t.Errorf("withRecipe(%v) = %v: the recipe's %s there %v, want %v", args, got, start, kept, want)
			}
			wantLen := len(r.args) + len(args)
			if extra != nil {
				wantLen -= 2 // the recipe's start and its file
			}
			if len(got) != wantLen {
				t.Errorf("withRecipe(%v) = %v: more than %s left out of recipe %v", args, got, start, r.args)
			}
		}
	}
}
