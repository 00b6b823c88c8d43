package trainview

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"metaglot/core/algo"
	"metaglot/core/modelfile"
	"metaglot/wasm/trainer/protocol"
)

// Field is one control of the Train view's settings form. The form is
// generated from the algorithm registry (core/algo): the learner menu,
// one field per setting of a run (algo.Settings: the same settings, names,
// ranges and help as metaglot train's flags), and where the run starts.
type Field struct {
	// Name is the setting's JSON key (algo.Setting.Name, a key of
	// modelfile.Config), or "algo" or "init".
	Name string
	// ID is the element's id: "train-" and the CLI flag ("train-inner-lr").
	ID    string
	Label string
	Help  string
	// Kind says which control shows it: a text field for Int, Uint and
	// Float, a checkbox for Bool, a menu for Choice.
	Kind algo.Kind
	// Choices and ChoiceLabels are a menu's values and what it shows.
	Choices, ChoiceLabels []string
}

// Fields returns the form's fields in order: the learner, every setting
// of a run but checkpoint_every (the page keeps no checkpoint files: its
// worker holds the weights, which "Download weights" saves), and where to
// start from.
func Fields() []Field {
	var names, labels []string
	for _, s := range algo.All() {
		names, labels = append(names, s.Name), append(labels, s.Label)
	}
	fs := []Field{{Name: "algo", ID: "train-algo", Label: "Learner", Help: "the meta-learning algorithm", Kind: algo.Choice, Choices: names, ChoiceLabels: labels}}
	for _, s := range algo.Settings() {
		if s.Name == "checkpoint_every" {
			continue
		}
		fs = append(fs, Field{Name: s.Name, ID: "train-" + s.Flag, Label: s.Label, Help: s.Help, Kind: s.Kind, Choices: s.Choices, ChoiceLabels: s.Choices})
	}
	return append(fs, Field{Name: "init", ID: "train-init", Label: "Start from", Help: "the weights training starts from", Kind: algo.Choice,
		Choices:      []string{protocol.InitScratch, InitRecipe, protocol.InitBundled, protocol.InitCurrent},
		ChoiceLabels: []string{"scratch (random weights), quick settings", "scratch, with the bundled model's recipe (shorter)", "the bundled model, with its recipe", "the current weights"}})
}

// InitRecipe is the form's start "from scratch with the bundled model's
// recipe": random weights, as protocol.InitScratch, and the settings the
// bundled model of the learner was trained with (for FOMAML and Reptile,
// meta-trained from a random start, the papers' recipe: Finn et al.'s
// meta-batches of 32 tasks with one query per class, Nichol et al.'s 5
// inner steps) but the page's shorter run and held-out measurements. The
// worker is sent InitScratch.
const InitRecipe = "recipe"

// FieldID returns the element id of the field named name ("" if none).
func FieldID(name string) string {
	for _, f := range Fields() {
		if f.Name == name {
			return f.ID
		}
	}
	return ""
}

// Form is the state of the settings form: the algorithm and the settings
// its fields show, and where the run starts. NewForm makes one.
type Form struct {
	// Config holds the settings the fields show; Config.Algo is the
	// learner chosen.
	Config modelfile.Config
	// Init is where the run starts: protocol.InitScratch, InitRecipe,
	// InitBundled or InitCurrent.
	Init string

	recipes map[string]modelfile.Config // the bundled models' recipes, by algorithm
	asked   map[string]bool             // recipes asked for (RecipeNeeded)
}

// NewForm returns a form for algorithm a (the first registered one if a
// is not registered) from scratch, with a's Quick settings and seed.
func NewForm(a string, seed uint64) *Form {
	f := &Form{recipes: map[string]modelfile.Config{}, asked: map[string]bool{}}
	f.Choose(a, protocol.InitScratch, seed)
	return f
}

// Choose makes the fields show the settings of a run of algorithm a
// starting from init: the algorithm's Quick settings (core/algo: they
// train visibly within minutes in a browser), or, to continue the bundled
// model or to start from scratch with its recipe (InitRecipe) once the
// recipe is known (SetRecipe), the recipe it was trained with (its
// network, batch-norm mode, head, learning rates, episode shape), with the
// Quick run length and held-out measurements. seed fills the seed field.
func (f *Form) Choose(a, init string, seed uint64) {
	spec, err := algo.Lookup(a)
	if err != nil {
		spec = algo.All()[0]
	}
	f.Config, f.Init = spec.Quick, init
	if r, ok := f.recipes[spec.Name]; ok && usesRecipe(init) {
		for _, s := range algo.Settings() {
			if !s.RunTime && s.Name != "episodes" && s.Name != "seed" {
				s.Copy(&f.Config, r)
			}
		}
	}
	f.Config.Seed = seed
}

// usesRecipe reports whether a run starting from init takes the bundled
// model's recipe.
func usesRecipe(init string) bool { return init == protocol.InitBundled || init == InitRecipe }

// RecipeNeeded returns the algorithm whose bundled model's recipe the
// form needs to show (starting from the bundled model, or from scratch
// with its recipe; recipe unknown), once: the page then fetches the model
// and calls SetRecipe.
func (f *Form) RecipeNeeded() (string, bool) {
	a := f.Config.Algo
	if !usesRecipe(f.Init) || f.asked[a] {
		return "", false
	}
	if _, ok := f.recipes[a]; ok {
		return "", false
	}
	f.asked[a] = true
	return a, true
}

// SetRecipe records the recipe of algorithm a's bundled model from its
// file's metadata (the "config" a model file records) and, if the form
// still shows a run that takes that recipe (algorithm a, starting from the
// bundled model or from scratch with its recipe), shows it; shown says
// whether it did. The recipe arrives from a fetch, after the user may
// have chosen another learner or start and typed settings: then the form,
// and so the fields the page fills from it, stay as they are. A file
// without a usable recipe leaves the form as it is and says why.
func (f *Form) SetRecipe(a string, meta map[string]string) (shown bool, err error) {
	var c modelfile.Config
	if err := json.Unmarshal([]byte(meta["config"]), &c); err != nil {
		return false, fmt.Errorf("the bundled %s model records no settings: %v", a, err)
	}
	if c.Algo != a {
		return false, fmt.Errorf("the bundled %s model records settings of %q", a, c.Algo)
	}
	f.recipes[a] = c
	if f.Config.Algo == a && usesRecipe(f.Init) {
		f.Choose(a, f.Init, f.Config.Seed)
		return true, nil
	}
	return false, nil
}

// Shown reports whether the field named name applies to the algorithm
// chosen and, for a setting that requires another's value (rotations and
// val_alphabets: split lake), whether the form's has it. The others are
// hidden and not read.
func (f *Form) Shown(name string) bool {
	if name == "algo" || name == "init" {
		return true
	}
	spec, err := algo.Lookup(f.Config.Algo)
	if err != nil || !spec.Applies(name) {
		return false
	}
	s, _ := algo.SettingNamed(name)
	return required(s, f.Value)
}

// required reports whether s's requirement (algo.Setting.Requires) is met
// by the fields' texts get.
func required(s algo.Setting, get func(name string) string) bool {
	name, want, ok := strings.Cut(s.Requires, "=")
	if !ok {
		return true
	}
	v := strings.TrimSpace(get(name))
	if other, found := algo.SettingNamed(name); found && v == "" && len(other.Choices) > 0 {
		v = other.Choices[0] // "" reads as the first choice
	}
	return v == want
}

// Set puts the text of the field named name into the form's settings, as
// the page does when a field that others depend on changes (split). It
// returns the error of a text the setting cannot hold (the settings stay).
func (f *Form) Set(name, text string) error {
	s, ok := algo.SettingNamed(name)
	if !ok {
		return fmt.Errorf("no setting %q", name)
	}
	c := f.Config
	text = strings.TrimSpace(text)
	if err := s.Parse(&c, text); err != nil {
		return err
	}
	if s.Kind == algo.Choice && text != "" && !slices.Contains(s.Choices, text) {
		return fmt.Errorf("%s %q: want %s", s.Label, text, strings.Join(s.Choices, " or "))
	}
	f.Config = c
	return nil
}

// Value returns the text of the field named name: a number as Parse reads
// it back, "true" or "false" for a checkbox, a menu's value.
func (f *Form) Value(name string) string {
	switch name {
	case "algo":
		return f.Config.Algo
	case "init":
		return f.Init
	}
	s, ok := algo.SettingNamed(name)
	if !ok {
		return ""
	}
	return s.Format(f.Config)
}

// FieldError is a form field that cannot start a run: Field is its name
// (Field.Name), Msg says why and what would do, naming it.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Msg }

// Start is a run the form asks for: its settings and where it starts.
type Start struct {
	Config modelfile.Config
	Init   string
}

// Read reads the fields (get returns the text of the field named name)
// into a run and checks it: each setting's kind and the registry's ranges
// and rules (algo.Check). Fields that do not apply to the learner are not
// read. It returns the run, or a *FieldError for the first field at
// fault. What the data allows (a way within the classes of the splits) is
// the worker's to check: it refuses a run with an EvInvalid event that
// names the field.
func Read(get func(name string) string) (Start, error) {
	c, err := readConfig(get)
	if err != nil {
		return Start{}, err
	}
	init := strings.TrimSpace(get("init"))
	switch init {
	case protocol.InitScratch, protocol.InitBundled, protocol.InitCurrent:
	case InitRecipe:
		init = protocol.InitScratch // the recipe is in the fields
	default:
		return Start{}, &FieldError{Field: "init", Msg: fmt.Sprintf("start from %q: choose scratch, recipe, bundled or current", init)}
	}
	return Start{Config: c, Init: init}, nil
}

func readConfig(get func(name string) string) (modelfile.Config, error) {
	a := strings.TrimSpace(get("algo"))
	spec, err := algo.Lookup(a)
	if err != nil {
		return modelfile.Config{}, &FieldError{Field: "algo", Msg: fmt.Sprintf("unknown learner %q", a)}
	}
	c := modelfile.Config{Algo: spec.Name}
	for _, s := range algo.Settings() {
		if !spec.Applies(s.Name) || !required(s, get) {
			continue // hidden: left at zero
		}
		if s.Name == "checkpoint_every" {
			s.Copy(&c, spec.Quick)
			continue
		}
		text := strings.TrimSpace(get(s.Name))
		if err := s.Parse(&c, text); err != nil {
			what := map[algo.Kind]string{algo.Int: "a whole number", algo.Uint: "a whole number ≥ 0",
				algo.Float: "a number (write 0.001 or 1e-3)", algo.Bool: "true or false"}[s.Kind]
			return c, &FieldError{Field: s.Name, Msg: fmt.Sprintf("%s %q is not %s", s.Label, text, what)}
		}
	}
	if err := algo.Check(c); err != nil {
		var se *algo.SettingError
		if !errors.As(err, &se) {
			return c, &FieldError{Msg: err.Error()}
		}
		label, value := se.Name, ""
		if s, ok := algo.SettingNamed(se.Name); ok {
			label, value = s.Label, " "+s.Format(c)
			if s.Kind == algo.Choice {
				value = fmt.Sprintf(" %q", s.Format(c)) // any text: quoted, on one line
			}
		}
		return c, &FieldError{Field: se.Name, Msg: label + value + ": " + se.Msg}
	}
	return c, nil
}

// FieldOf returns the field a *FieldError names, or "".
func FieldOf(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}
