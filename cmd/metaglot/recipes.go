package main

import (
	_ "embed"
	"fmt"
	"io"
	"strings"
)

// recipesText is the recipe file: the training recipes of the bundled
// models, one readable list (see its first comment for the format).
//
//go:embed recipes.txt
var recipesText string

// recipe is a named list of train flags.
type recipe struct {
	name  string
	about string   // its comment lines, joined
	args  []string // the flags of metaglot train
}

// parseRecipes reads a recipe file: a name at the start of a line and
// train flags after it, lines starting with a space or tab continuing it,
// "#" comment lines (the ones just above a recipe describe it) and blank
// lines. It returns an error naming the line of a continuation without a
// recipe or a name given twice.
func parseRecipes(text string) ([]recipe, error) {
	var out []recipe
	var about []string
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			about = nil
		case strings.HasPrefix(trimmed, "#"):
			about = append(about, strings.TrimSpace(strings.TrimPrefix(trimmed, "#")))
		case line[0] == ' ' || line[0] == '\t':
			if len(out) == 0 {
				return nil, fmt.Errorf("recipes line %d: flags without a recipe name", i+1)
			}
			out[len(out)-1].args = append(out[len(out)-1].args, strings.Fields(trimmed)...)
		default:
			f := strings.Fields(trimmed)
			for _, r := range out {
				if r.name == f[0] {
					return nil, fmt.Errorf("recipes line %d: recipe %q given twice", i+1, f[0])
				}
			}
			out = append(out, recipe{name: f[0], about: strings.Join(about, " "), args: f[1:]})
			about = nil
		}
	}
	return out, nil
}

// recipes returns the built-in recipes (recipes.txt).
func recipes() []recipe {
	r, err := parseRecipes(recipesText)
	if err != nil {
		panic("metaglot: " + err.Error()) // the embedded file is tested
	}
	return r
}

// recipeNamed returns the recipe called name, or a usage error listing
// the recipes.
func recipeNamed(name string) (recipe, error) {
	var names []string
	for _, r := range recipes() {
		if r.name == name {
			return r, nil
		}
		names = append(names, r.name)
	}
	return recipe{}, usagef("-recipe %q: want one of %s (metaglot recipes lists them)", name, strings.Join(names, ", "))
}

// withRecipe returns the train arguments args with the flags of the recipe
// that -recipe names in them put first, so that flags given on the command
// line override the recipe's. With -resume or -resume-from, the recipe's
// own -init and -resume-from (a recipe may continue the run of a bundled
// model file) are left out: the run's checkpoint, or the model file the
// command line names, holds its weights. Without -recipe, args are
// returned as they are.
func withRecipe(args []string) ([]string, error) {
	name, found := "", false
	resume := false
	for i := 0; i < len(args); i++ {
		a := strings.TrimPrefix(args[i], "-")
		a = strings.TrimPrefix(a, "-")
		switch {
		case a == "recipe" && i+1 < len(args):
			name, found = args[i+1], true
			i++
		case strings.HasPrefix(a, "recipe="):
			name, found = strings.TrimPrefix(a, "recipe="), true
		case a == "resume" || a == "resume=true" || a == "resume-from" || strings.HasPrefix(a, "resume-from="):
			resume = true
		case a == "--":
			i = len(args)
		}
	}
	if !found {
		return args, nil
	}
	r, err := recipeNamed(name)
	if err != nil {
		return nil, err
	}
	var out []string
	for i := 0; i < len(r.args); i++ {
		if f := strings.TrimLeft(r.args[i], "-"); resume && (f == "init" || f == "resume-from") && i+1 < len(r.args) {
			i++
			continue
		}
		out = append(out, r.args[i])
	}
	return append(out, args...), nil
}

func recipesCommand() command {
	return command{name: "recipes", summary: "list the training recipes of the bundled models (metaglot train -recipe NAME)", run: runRecipes}
}

func runRecipes(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("recipes", "", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	for _, r := range recipes() {
		fmt.Fprintf(stdout, "%s\n    %s\n", r.name, strings.Join(r.args, " "))
		if r.about != "" {
			fmt.Fprintf(stdout, "    # %s\n", r.about)
		}
	}
	return nil
}
