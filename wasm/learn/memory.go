package learn

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"

	"metaglot/core/checkpoint"
	"metaglot/core/learner"
	"metaglot/core/mann"
	"metaglot/core/modelfile"
	"metaglot/core/nn"
	"metaglot/core/tensor"
	"metaglot/wasm/classify"
)

// MemoryView is what a MANN did with a task: the order it saw the
// support set in, which class wrote most into each memory slot, where the
// query read, and its answer.
type MemoryView struct {
	// Order lists the support images as fed, as (class, example) pairs.
	Order [][2]int
	// SlotClass and SlotWeight: per memory slot, the class that wrote the
	// most weight into it (−1: none) and that weight.
	SlotClass  []int
	SlotWeight []float32
	// Read is the query's read weight of each slot, summed over the heads.
	Read []float32
	// Probs is the MANN's answer for the query.
	Probs []float64
}

// FreshMANN returns a MANN of way classes with freshly initialised
// (untrained) weights from seed: what the model-based step shows for a
// task of more classes than the bundled MANN answers, the mechanism
// without a skill.
func FreshMANN(way int, seed uint64) (*mann.Learner, error) {
	cfg := mann.Default(way)
	return mann.New(mann.NewParams(cfg, rand.New(rand.NewPCG(seed, 1))), cfg)
}

// LoadMANN makes a MANN of a weights file (the bundled
// assets/models/mann.safetensors) and says in plain language what it
// learned from, from the file's metadata: "A MANN meta-trained on 465 600
// Omniglot tasks of 5 classes (training alphabets only); it answers tasks
// of up to 5 classes."
func LoadMANN(data []byte) (*mann.Learner, string, error) {
	set, meta, err := checkpoint.Decode(data)
	if err != nil {
		return nil, "", fmt.Errorf("the MANN's weights: %w", err)
	}
	if meta["algo"] != "" && meta["algo"] != "mann" {
		return nil, "", fmt.Errorf("the MANN's weights file holds a %s model", meta["algo"])
	}
	l, err := mann.LoadOneHot(set, meta) // a string-label MANN is refused: its outputs are not classes
	if err != nil {
		return nil, "", err
	}
	cfg := l.Config()
	note := "A MANN meta-trained"
	if n, err := strconv.Atoi(meta["episodes"]); err == nil && n > 0 {
		note += " on " + thousands(n+initEpisodes(meta))
	} else {
		note += " on many"
	}
	note += fmt.Sprintf(" Omniglot tasks of %d classes (training alphabets only); it answers tasks of up to %d classes.", cfg.Classes, cfg.Classes)
	return l, note, nil
}

// initEpisodes returns the episodes of the MANN a model's run started
// from (-init, recorded in its config), 0 for a run from a random start:
// a second stage's own episodes counter starts again at 0.
func initEpisodes(meta map[string]string) int {
	var c modelfile.Config
	if json.Unmarshal([]byte(meta["config"]), &c) != nil || c.Init == "" {
		return 0
	}
	in, err := modelfile.ParseInit(c.Init)
	if err != nil || in.Algo != "mann" || in.Episodes < 0 {
		return 0
	}
	return in.Episodes
}

// thousands writes n with a thin space between groups of three digits
// (465 600).
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "\u202f" + s[i:]
	}
	return s
}

// Memory feeds the task's support set to the MANN l as one sequence, in
// an order shuffled with seed (each image with the previous image's
// label, as in training), and reads the memory for the task's query.
func Memory(l *mann.Learner, t Task, seed uint64) (MemoryView, error) {
	q, _, ok := t.Query()
	if !ok {
		return MemoryView{}, fmt.Errorf("the task has no query")
	}
	if t.Way > l.Config().Classes {
		return MemoryView{}, fmt.Errorf("this MANN answers at most %d classes (it was made for %d-way tasks), and the task has %d: set N to %d or less", l.Config().Classes, l.Config().Classes, t.Way, l.Config().Classes)
	}
	const side = nn.ImageSize
	var imgs []float32
	var labels []int
	var pairs [][2]int
	for c, ex := range t.Support {
		for j, img := range ex {
			imgs = append(imgs, img...)
			labels = append(labels, c)
			pairs = append(pairs, [2]int{c, j})
		}
	}
	task := &learner.Task{Way: t.Way, Support: tensor.FromData(imgs, len(labels), 1, side, side), SupportLabels: labels,
		Query: tensor.FromData(append([]float32(nil), q...), 1, 1, side, side), QueryLabels: []int{0}}
	order := rand.New(rand.NewPCG(seed, uint64(len(labels)))).Perm(len(labels))
	c, err := l.AdaptOrder(task, order)
	if err != nil {
		return MemoryView{}, err
	}
	var v MemoryView
	for _, i := range order {
		v.Order = append(v.Order, pairs[i])
	}
	v.SlotClass, v.SlotWeight = c.Slots()
	heads, err := c.Read(q)
	if err != nil {
		return MemoryView{}, err
	}
	v.Read = make([]float32, len(v.SlotClass))
	for _, h := range heads {
		for i, w := range h {
			v.Read[i] += w
		}
	}
	p, err := c.Probs(task.Query)
	if err != nil {
		return MemoryView{}, err
	}
	for _, x := range p.Data {
		v.Probs = append(v.Probs, float64(x))
	}
	return v, nil
}

// MANNClassifier answers a query as the MANN does after the support
// sequence (Memory), for the compare step.
type MANNClassifier struct {
	L    *mann.Learner
	Seed uint64
}

// Classify implements Classifier: every class must have examples.
func (m MANNClassifier) Classify(support [][][]float32, query []float32) (classify.Result, error) {
	t := Task{Way: len(support), Support: support, Queries: [][]float32{query}, QueryLabels: []int{-1}}
	for c := range support {
		t.Names = append(t.Names, fmt.Sprint(c+1))
		if len(support[c]) == 0 {
			return classify.Result{}, classify.ErrNoClasses
		}
	}
	v, err := Memory(m.L, t, m.Seed)
	if err != nil {
		return classify.Result{}, err
	}
	return classify.Result{Probs: v.Probs, Best: argmax(v.Probs)}, nil
}
