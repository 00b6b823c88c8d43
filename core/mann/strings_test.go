package mann

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"metaglot/core/algo"
	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
	"metaglot/core/modelfile"
	"metaglot/core/tensor"
)

// stringConfig is smallConfig with string labels.
var stringConfig = Config{Classes: 5, Units: 32, Slots: 16, Width: 8, Heads: 2, LR: 3e-3, Labels: String}

// constantAnswer returns a string-label learner whose output ignores its
// input: out.weight is zero and out.bias makes the string code the most
// probable answer at every step (each character's letter 3 units above
// the others).
func constantAnswer(t *testing.T, code int) *Learner {
	t.Helper()
	p := NewParams(stringConfig, rand.New(rand.NewPCG(3, 3)))
	clear(p.Get(nameWo).Data)
	bo := p.Get(nameBo).Data
	clear(bo)
	for i := range StringChars {
		bo[i*StringLetters+stringChar(code, i)] = 3
	}
	l, err := New(p, stringConfig)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestStringShapes: string labels make the label input and the output 25
// units whatever the classes; Classes is then the 3125 strings; ConfigOf
// keeps the code it is given and refuses an output layer of another width.
func TestStringShapes(t *testing.T) {
	for _, classes := range []int{5, 15} {
		c := Config{Classes: classes, Labels: String}.withDefaults()
		if c.Classes != StringLabels || c.outputs() != 25 || c.direct() != 400+25 {
			t.Errorf("%d classes: Classes %d, outputs %d, direct %d; want 3125, 25, 425", classes, c.Classes, c.outputs(), c.direct())
		}
		p := NewParams(c, rand.New(rand.NewPCG(1, 1)))
		got, err := ConfigOf(Config{Labels: String}, p)
		if err != nil || got != c {
			t.Errorf("ConfigOf = %+v, %v; want %+v", got, err, c)
		}
	}
	onehot := NewParams(Default(15), rand.New(rand.NewPCG(1, 1)))
	if _, err := ConfigOf(Config{Labels: String}, onehot); err == nil || !strings.Contains(err.Error(), "string labels need 25 output units") {
		t.Errorf("ConfigOf(string) of a 15-class one-hot MANN: %v", err)
	}
	if _, err := ParseLabels("five"); err == nil || !strings.Contains(err.Error(), `label code "five" unknown (want onehot or string)`) {
		t.Errorf("ParseLabels(five) = %v", err)
	}
	for s, want := range map[string]Labels{"": OneHot, "onehot": OneHot, "string": String} {
		if got, err := ParseLabels(s); err != nil || got != want {
			t.Errorf("ParseLabels(%q) = %v, %v", s, got, err)
		}
	}
}

// TestStringFirstLoss: a fresh string-label MANN starts near chance, a
// loss of 5·ln 5 ≈ 8.05 per step (five uniform 5-way guesses), and 15-way
// episodes (beyond a one-hot 5-class network) are accepted.
func TestStringFirstLoss(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	cfg := Config{Classes: 15, Labels: String}
	l, err := New(NewParams(cfg, rng), cfg)
	if err != nil {
		t.Fatal(err)
	}
	tasks := []*learner.Task{learnertest.Task(rng, 15, 2, 1), learnertest.Task(rng, 15, 2, 1)}
	m, err := l.Step(tasks)
	if err != nil {
		t.Fatal(err)
	}
	if chance := 5 * math.Log(5); math.Abs(m.Loss-chance) > 0.3 {
		t.Errorf("first loss %.3f, want near 5·ln 5 = %.3f", m.Loss, chance)
	}
	if m.Acc > 0.05 {
		t.Errorf("accuracy %.3f before training: all five characters right by chance should be rare", m.Acc)
	}
}

// TestStringInstanceAccuracy: with a network that always answers the
// string s, a step counts as right exactly when its class's string is s
// (all five characters), at the presentation the step is of its class.
// The expected counts replay the episode's draws: the order, then each
// class's string.
func TestStringInstanceAccuracy(t *testing.T) {
	const way, inst = 3, 4
	rng := rand.New(rand.NewPCG(8, 8))
	tasks := []*learner.Task{learnertest.Task(rng, way, inst, 0), learnertest.Task(rng, way, inst, 0)}
	for _, task := range tasks {
		task.Query, task.QueryLabels = nil, nil
	}
	// The strings the protocol will draw for the two episodes.
	replay := rand.New(rand.NewPCG(9, 9))
	var orders [2][]int
	var codes [2][way]int
	for b := range 2 {
		orders[b] = replay.Perm(way * inst)
		drawCodes(codes[b][:], replay)
	}
	for _, target := range []int{codes[0][1], codes[1][2], (codes[0][0] + 1) % StringLabels} {
		l := constantAnswer(t, target)
		var got Instances
		if err := l.InstanceAccuracy(tasks, rand.New(rand.NewPCG(9, 9)), &got); err != nil {
			t.Fatal(err)
		}
		var want Instances
		for b, task := range tasks {
			seen := make([]int, way)
			for _, i := range orders[b] {
				k := task.SupportLabels[i]
				seen[k]++
				want.add(seen[k], codes[b][k] == target)
			}
		}
		for n := 1; n <= inst; n++ {
			if got.Total[n-1] != want.Total[n-1] || got.Correct[n-1] != want.Correct[n-1] {
				t.Errorf("answer %s: presentation %d: %d of %d right, want %d of %d", LabelString(target), n,
					got.Correct[n-1], got.Total[n-1], want.Correct[n-1], want.Total[n-1])
			}
		}
	}
}

// TestStringQueryAccuracy: the standard cells count a string answer right
// only when all five characters are. A network that always answers class
// 1's string is right on class 1's queries (1/way); one that answers a
// string no class has is never right, although the probabilities
// renormalised over the task's classes (Probs, learner.AccuracyOf) still
// put some class first.
func TestStringQueryAccuracy(t *testing.T) {
	const way = 5
	task := learnertest.Task(rand.New(rand.NewPCG(10, 10)), way, 1, 3)
	probe, err := constantAnswer(t, 0).AdaptOrder(task, []int{0, 1, 2, 3, 4})
	if err != nil {
		t.Fatal(err)
	}
	strs := probe.LabelStrings()
	if len(strs) != way {
		t.Fatalf("LabelStrings %v, want %d", strs, way)
	}
	code := func(s string) int {
		c := 0
		for _, ch := range s {
			c = c*StringLetters + int(ch-'a')
		}
		return c
	}
	unused := 0
	for slicesHas(probe.codes, unused) {
		unused++
	}
	for _, tc := range []struct {
		answer      int
		strict, any float64
	}{
		{code(strs[1]), 1.0 / way, 1.0 / way},
		{unused, 0, -1}, // AccuracyOf: whichever class comes first, not 0
	} {
		l := constantAnswer(t, tc.answer)
		got, err := l.QueryAccuracy(task)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-tc.strict) > 1e-12 {
			t.Errorf("answer %s: QueryAccuracy %v, want %v", LabelString(tc.answer), got, tc.strict)
		}
		loose, err := learner.AccuracyOf(l, task, learner.OneAtATime)
		if err != nil {
			t.Fatal(err)
		}
		if tc.any >= 0 && math.Abs(loose-tc.any) > 1e-12 || tc.any < 0 && loose == 0 {
			t.Errorf("answer %s: AccuracyOf %v (Probs renormalised over the task's strings)", LabelString(tc.answer), loose)
		}
	}
}

func slicesHas(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestStringProbs: a string-label classifier's Probs are distributions
// over the task's classes, a query's the same alone and in a batch, and
// its answers (Predict) are the classes whose strings are the per-
// character argmax, or −1. For one-hot labels Predict is Probs' argmax and
// QueryAccuracy equals learner.AccuracyOf.
func TestStringProbs(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	l, err := New(NewParams(stringConfig, rng), stringConfig)
	if err != nil {
		t.Fatal(err)
	}
	task := learnertest.Task(rng, 4, 2, 2)
	c, err := l.Adapt(task)
	if err != nil {
		t.Fatal(err)
	}
	all, err := c.Probs(task.Query)
	if err != nil {
		t.Fatal(err)
	}
	for q := range len(task.QueryLabels) {
		row := all.Data[q*4 : (q+1)*4]
		var z float64
		for _, v := range row {
			z += float64(v)
		}
		if math.Abs(z-1) > 1e-5 {
			t.Errorf("query %d: probabilities sum to %v", q, z)
		}
		one, err := c.Probs(tensor.FromData(task.Query.Data[q*784:(q+1)*784], 1, 1, 28, 28))
		if err != nil {
			t.Fatal(err)
		}
		for k := range 4 {
			if one.Data[k] != row[k] {
				t.Fatalf("query %d class %d: %v alone, %v in the batch", q, k, one.Data[k], row[k])
			}
		}
	}
	oh, err := New(NewParams(smallConfig, rng), smallConfig)
	if err != nil {
		t.Fatal(err)
	}
	oneHotTask := learnertest.Task(rng, 5, 1, 3)
	a, err := oh.QueryAccuracy(oneHotTask)
	if err != nil {
		t.Fatal(err)
	}
	b, err := learner.AccuracyOf(oh, oneHotTask, learner.OneAtATime)
	if err != nil || a != b {
		t.Errorf("one-hot: QueryAccuracy %v, AccuracyOf %v (%v)", a, b, err)
	}
}

// TestLoadLabels: a model file's label code comes from its "config"
// metadata (round trip through modelfile), one-hot when it has none; an
// unknown code is refused, and LoadOneHot, the page's loader, refuses a
// string-label MANN in one line instead of reading its 25 output units as
// 25 classes.
func TestLoadLabels(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	meta := func(labels string) map[string]string {
		c := Spec.Defaults
		c.Way, c.Labels = 15, labels
		return modelfile.Meta{Kind: modelfile.KindModel, Config: c, Episodes: 10}.Encode()
	}
	str := NewParams(Config{Classes: 15, Labels: String}, rng)
	l, err := Load(str, meta("string"))
	if err != nil || l.Config().Labels != String {
		t.Fatalf("Load(string model) = %v, %v", l, err)
	}
	m, err := modelfile.Decode(meta("string"))
	if err != nil || m.Config.Labels != "string" {
		t.Errorf("modelfile round trip: labels %q, %v", m.Config.Labels, err)
	}
	if _, err := LoadOneHot(str, meta("string")); err == nil || !strings.Contains(err.Error(), "codes labels as string") {
		t.Errorf("LoadOneHot(string model) = %v, want a refusal", err)
	}
	if _, err := Load(str, meta("morse")); err == nil || !strings.Contains(err.Error(), `label code "morse" unknown`) {
		t.Errorf("Load(labels morse) = %v", err)
	}
	// The same tensors without a label code read as 25 one-hot classes:
	// which is why the code must come from the metadata.
	if l, err := Load(str, nil); err != nil || l.Config().Classes != 25 {
		t.Errorf("Load without metadata: %v (classes %d)", err, l.Config().Classes)
	}
	oh := NewParams(Default(5), rng)
	for _, md := range []map[string]string{nil, meta(""), meta("onehot")} {
		if l, err := LoadOneHot(oh, md); err != nil || l.Config().Labels != OneHot || l.Config().Classes != 5 {
			t.Errorf("LoadOneHot(one-hot, %v) = %v", md["config"], err)
		}
	}
	if _, err := Load(oh, map[string]string{"config": "{"}); err == nil {
		t.Error("Load accepted a config that is not JSON")
	}
}

// TestLabelsSetting: the registry's "labels" setting applies to mann only,
// takes onehot or string, and the string code builds a network of 25
// label units.
func TestLabelsSetting(t *testing.T) {
	c := Spec.Defaults
	c.Way, c.Labels = 15, "string"
	if err := algo.Check(c); err != nil {
		t.Fatal(err)
	}
	p := Spec.NewParams(c, rand.New(rand.NewPCG(1, 1)))
	ln, err := Spec.New(c, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := ln.(*Learner).Config(); got.Labels != String || got.outputs() != 25 {
		t.Errorf("registry's string MANN: %+v", got)
	}
	c.Labels = "morse"
	if err := algo.Check(c); err == nil || err.Error() != `-labels "morse": want onehot or string` {
		t.Errorf("Check(labels morse) = %v", err)
	}
	pn, _ := algo.Lookup("protonet")
	pc := pn.Defaults
	pc.Labels = "string"
	if err := algo.Check(pc); err == nil || !strings.Contains(err.Error(), "protonet does not use it") {
		t.Errorf("Check(protonet labels string) = %v", err)
	}
}
