package app

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"metaglot/core/episode"
	"metaglot/core/omniglot"
	"metaglot/core/preprocess"
	"metaglot/wasm/classes"
	"metaglot/wasm/site"
)

// TryPlan is the choice behind "Try Omniglot": an alphabet of the held-out
// test split and N of its characters.
type TryPlan struct {
	Alphabet string
	File     string // its sprite sheet, relative to index.json
	Chars    []omniglot.Character
	// Lake plans follow Lake et al.'s one-shot task (PlanLake): an
	// evaluation alphabet, and in Try one drawer for every example and
	// another for every held-out drawing.
	Lake bool
	// Run, if not 0, is the Lake et al. run (1..20, core/episode/lakeruns)
	// to play: its characters and drawers, not drawn ones (Chars unused).
	Run int
}

// PlanTry picks, with rng, an alphabet that has at least n characters in
// the Vinyals test split, and n of those characters.
func PlanTry(ix *omniglot.Index, n int, rng *rand.Rand) (TryPlan, error) {
	if n < 1 || n > classes.MaxClasses {
		return TryPlan{}, fmt.Errorf("try Omniglot with 1 to %d classes, not %d", classes.MaxClasses, n)
	}
	var fits []int
	for a, al := range ix.Alphabets {
		if len(testChars(al)) >= n {
			fits = append(fits, a)
		}
	}
	if len(fits) == 0 {
		return TryPlan{}, fmt.Errorf("no alphabet has %d test characters", n)
	}
	al := ix.Alphabets[fits[rng.IntN(len(fits))]]
	chars := testChars(al)
	rng.Shuffle(len(chars), func(i, j int) { chars[i], chars[j] = chars[j], chars[i] })
	return TryPlan{Alphabet: al.Name, File: al.File, Chars: chars[:n]}, nil
}

func testChars(al omniglot.Alphabet) []omniglot.Character {
	var out []omniglot.Character
	for _, c := range al.Characters {
		if c.Vinyals == "test" {
			out = append(out, c)
		}
	}
	return out
}

// Fetch gets a file of the page's site by its path (site.OmniglotIndex,
// ...): browser.FetchBytes in the page, the files of the repository in
// tests.
type Fetch func(path string) ([]byte, error)

// TrySource is what the page has fetched of the Omniglot assets so far:
// the index and a Dataset holding the sheets of the alphabets tried. The
// zero value holds nothing.
type TrySource struct {
	Index *omniglot.Index
	Data  *omniglot.Dataset
}

// TryJob is one "Try Omniglot": StartTry makes it, Run fetches what it
// needs (on a goroutine of the page), FinishTry applies it.
type TryJob struct {
	src     TrySource
	lake    bool // Lake's protocol (PlanLake), else the Vinyals test split
	lakeRun int  // one of Lake's 20 runs (StartTryRun), else 0
	n, k    int
	rng     *rand.Rand
	plan    TryPlan
	err     error
}

// StartTry begins a Try Omniglot of n classes of k examples each, n and k
// as the page's two menus give them (text). It returns nil while another
// one runs. seed chooses the alphabet, the characters and the drawings.
func (s *State) StartTry(n, k string, seed uint64) *TryJob {
	return s.StartTryWith(n, k, Vinyals, seed)
}

// Protocols of Try Omniglot (the page's menu values).
const (
	Vinyals = "vinyals" // characters of the Vinyals test split
	Lake    = "lake"    // Lake et al.'s one-shot task: PlanLake
)

// StartTryWith is StartTry with a protocol, Vinyals or Lake.
func (s *State) StartTryWith(n, k, protocol string, seed uint64) *TryJob {
	if s.trying {
		return nil
	}
	s.trying = true
	s.Message = "Fetching Omniglot drawings…"
	return &TryJob{src: s.trySrc, lake: protocol == Lake, n: atoi(n), k: atoi(k), rng: rand.New(rand.NewPCG(seed, 1))}
}

// atoi returns the whole number s, or −1 (which every range refuses).
func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return -1
	}
	return n
}

// Run fetches with get what the job needs and its source lacks: the
// index the first time, then the sheet of the alphabet it picks unless
// that one is loaded already. It chooses the characters, and touches no
// State, so the page runs it on a goroutine while frames go on.
func (j *TryJob) Run(get Fetch) {
	j.err = j.run(get)
	if j.err != nil {
		j.err = fmt.Errorf("Try Omniglot failed: %w", j.err)
	}
}

func (j *TryJob) run(get Fetch) error {
	if j.err != nil {
		return j.err // a bad request (StartTryRun)
	}
	if j.src.Index == nil {
		data, err := get(site.OmniglotIndex)
		if err != nil {
			return err
		}
		ix, err := omniglot.ParseIndex(data)
		if err != nil {
			return err
		}
		j.src = TrySource{Index: ix, Data: omniglot.New(ix)}
	}
	var plan TryPlan
	var err error
	switch {
	case j.lakeRun != 0:
		plan, err = planRun(j.src.Index, j.lakeRun)
	case j.lake:
		plan, err = PlanLake(j.src.Index, j.n, j.rng)
	default:
		plan, err = PlanTry(j.src.Index, j.n, j.rng)
	}
	if err != nil {
		return err
	}
	j.plan = plan
	if j.src.Data.Loaded(plan.Alphabet) {
		return nil
	}
	sheet, err := get(site.OmniglotSheet(plan.File))
	if err != nil {
		return err
	}
	return j.src.Data.AddAlphabetSheet(plan.Alphabet, sheet)
}

// FinishTry applies a job that ran: the assets it fetched are kept for
// the next one, the user's classes are saved to st (a Try set replaces
// them and is never stored), then the classes become the job's
// characters, or Message says why not.
func (s *State) FinishTry(j *TryJob, st Storage) {
	s.trying = false
	if j.src.Index != nil {
		s.trySrc = j.src
	}
	if j.err != nil {
		s.Message = j.err.Error()
		return
	}
	s.Save(st)
	if err := s.Try(j.src.Data, j.plan, j.k, j.rng); err != nil {
		s.Message = "Try Omniglot failed: " + err.Error()
	}
}

// lakeDrawers draws the characters cs of alphabet as one episode of
// `metaglot eval -split lake`'s sampler (core/episode: one alphabet,
// SameDrawers, one query per class): the characters in the episode's
// label order and, per character, its k support drawers then its query's.
// Every character's j-th example is by the same drawer, and the held-out
// drawings are all by one other drawer, as in Lake et al.'s task.
func lakeDrawers(ds *omniglot.Dataset, alphabet string, cs []int, k int, rng *rand.Rand) (order []int, picks [][]int, err error) {
	split, err := episode.NewSplit("lake-evaluation "+alphabet, ds, cs, 1)
	if err != nil {
		return nil, nil, err
	}
	smp, err := episode.NewSampler(ds, split, episode.Config{Way: len(cs), Shot: k, Query: 1, Alphabet: alphabet, SameDrawers: true}, rng)
	if err != nil {
		return nil, nil, err
	}
	ep := smp.Sample()
	for l, c := range ep.Classes {
		order = append(order, c.Char)
		d := append([]int(nil), ep.Drawers[l*k:(l+1)*k]...)
		picks = append(picks, append(d, ep.Drawers[ep.NumSupport()+l]))
	}
	return order, picks, nil
}

// Try replaces the classes with the plan's characters, k real drawings
// each (drawers chosen with rng), and keeps one further drawing of each as
// a held-out query. ds must have the plan's alphabet loaded. The classes
// the user drew are replaced, so the page saves them first (they stay in
// storage until the next change; export them to keep them).
func (s *State) Try(ds *omniglot.Dataset, plan TryPlan, k int, rng *rand.Rand) error {
	drawings := ds.Index().Drawers // of each character
	if k < 1 || k >= drawings {
		return fmt.Errorf("try Omniglot with 1 to %d examples, not %d", drawings-1, k)
	}
	if !ds.Loaded(plan.Alphabet) {
		return errors.New("the alphabet " + plan.Alphabet + " is not loaded")
	}
	if plan.Run != 0 {
		return s.tryRun(ds, plan)
	}
	ids := map[int]int{}
	for c := range ds.NumCharacters() {
		ids[ds.Character(c).ID] = c
	}
	var cs []int
	for _, ch := range plan.Chars {
		c, ok := ids[ch.ID]
		if !ok {
			return fmt.Errorf("character %d of %s is not in the data set", ch.ID, plan.Alphabet)
		}
		cs = append(cs, c)
	}
	// picks[i] are the drawers of character order[i]: k examples, then
	// the held-out drawing.
	order, picks := cs, make([][]int, len(cs))
	if plan.Lake {
		var err error
		if order, picks, err = lakeDrawers(ds, plan.Alphabet, cs, k, rng); err != nil {
			return err
		}
	} else {
		for i := range cs {
			picks[i] = rng.Perm(drawings)[:k+1]
		}
	}
	l := &classes.List{}
	var held []HeldOut
	for n, c := range order {
		name := strings.ReplaceAll(plan.Alphabet, "_", " ") + " " + strings.TrimPrefix(ds.Character(c).Name, "character")
		i, err := l.Add(name)
		if err != nil {
			return err
		}
		drawers := picks[n]
		for _, dr := range drawers[:k] {
			img := make([]float32, preprocess.Size*preprocess.Size)
			ds.WriteImage(img, c, dr, 0)
			if err := l.AddExample(i, classes.Example{Image: img}); err != nil {
				return err
			}
		}
		img := make([]float32, preprocess.Size*preprocess.Size)
		ds.WriteImage(img, c, drawers[k], 0)
		held = append(held, HeldOut{Class: i, Label: fmt.Sprintf("%s, drawer %d", name, drawers[k]+1), Image: img, Drawer: drawers[k]})
	}
	s.replace(l)
	s.Omniglot = held
	s.Demo = true
	each := "1 real drawing"
	if k > 1 {
		each = fmt.Sprintf("%d real drawings", k)
	}
	s.Message = fmt.Sprintf("Loaded %d characters of %s (held-out test alphabet), %s each. Draw one of them on the query pad, or pick a real drawing below it.", len(plan.Chars), strings.ReplaceAll(plan.Alphabet, "_", " "), each)
	s.Lake = plan.Lake
	if plan.Lake {
		by := "all drawn by one person"
		if k > 1 {
			by = fmt.Sprintf("%d each, drawn by %d people", k, k)
		}
		s.Message = fmt.Sprintf("Lake's task: %d characters of %s, one of the 20 evaluation alphabets, the examples %s and the drawings to classify by another. Press “Challenge the model” to classify them yourself against a ProtoNet trained on the 30 background alphabets only.", len(plan.Chars), strings.ReplaceAll(plan.Alphabet, "_", " "), by)
	}
	return nil
}
