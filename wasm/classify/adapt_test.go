package classify

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
	"metaglot/core/maml"
	"metaglot/core/nn"
	"metaglot/core/tensor"
)

func randomImages(rng *rand.Rand, n int) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		img := make([]float32, ImageLen)
		for j := range img {
			if rng.Float32() < 0.15 {
				img[j] = 1
			}
		}
		out[i] = img
	}
	return out
}

// TestFineTunerFitsSupport adapts a random 5-way FOMAML model step by step
// and checks that, after fine-tuning, each support image is classified as
// its own class (the fine-tuning fits the support set).
func TestFineTunerFitsSupport(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	params := learner.NewHeadNetParams(rng, 5)
	f, err := NewFineTuner("fomaml", params, map[string]string{"algo": "fomaml", "config": `{"adapt_steps": 10, "inner_lr": 0.4}`})
	if err != nil {
		t.Fatal(err)
	}
	imgs := randomImages(rng, 10)
	// Six classes, one without examples: the task is 5-way.
	support := [][][]float32{imgs[0:2], imgs[2:4], {}, imgs[4:6], imgs[6:8], imgs[8:10]}
	if _, err := f.Classify(support, imgs[0]); !errors.Is(err, ErrAdapting) {
		t.Fatalf("first Classify: %v, want ErrAdapting", err)
	}
	steps := 0
	for f.Step() {
		steps++
		if done, total := f.Progress(); done != steps || total != 10 {
			t.Fatalf("progress %d/%d after %d steps", done, total, steps)
		}
	}
	if steps != 10 {
		t.Fatalf("%d steps, want 10", steps)
	}
	for c, ex := range support {
		for _, img := range ex {
			res, err := f.Classify(support, img)
			if err != nil {
				t.Fatal(err)
			}
			if res.Best != c {
				t.Errorf("support image of class %d classified as %d: %v", c, res.Best, res.Probs)
			}
			var sum float64
			for k, p := range res.Probs {
				if k == 2 {
					if !math.IsNaN(p) {
						t.Errorf("class without examples has p = %v", p)
					}
					continue
				}
				sum += p
			}
			if math.Abs(sum-1) > 1e-5 {
				t.Errorf("probabilities sum to %v", sum)
			}
		}
	}
	// The meta-weights are untouched: a new support set starts over.
	support[0] = imgs[1:2]
	if _, err := f.Classify(support, imgs[0]); !errors.Is(err, ErrAdapting) {
		t.Fatalf("after a change: %v, want ErrAdapting", err)
	}
}

func TestFineTunerErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	params := learner.NewHeadNetParams(rng, 5)
	f, err := NewFineTuner("reptile", params, nil)
	if err != nil {
		t.Fatal(err)
	}
	imgs := randomImages(rng, 3)
	if _, err := f.Classify(nil, imgs[0]); !errors.Is(err, ErrNoClasses) {
		t.Errorf("no classes: %v", err)
	}
	if _, err := NewFineTuner("fomaml", params, map[string]string{"algo": "reptile"}); err == nil {
		t.Error("reptile metadata accepted as fomaml")
	}
	if _, err := NewFineTuner("fomaml", params, map[string]string{"config": "{"}); err == nil {
		t.Error("broken config accepted")
	}
}

// TestFineTunerMatchesLearner: adapting step by step, as the page does,
// gives the probabilities of core/maml's Adapt on the same task, with
// either BatchNorm statistics named in the model's config.
// TestFineTunerOtherWay: a model meta-trained with a 5-way head classifies
// a task of another number of classes (3, 7) from the prototype head on
// its meta-learned Conv4 — the same probabilities as a FineTuner of those
// Conv4 weights alone with proto_head — and a 5-way task with its learned
// head (other probabilities), saying which (ProtoHead).
func TestFineTunerOtherWay(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	params := learner.NewHeadNetParams(rng, 5)
	conv, err := learner.MetaParams(params, true)
	if err != nil {
		t.Fatal(err)
	}
	const cfg = `{"adapt_steps": 3, "inner_lr": 0.1}`
	imgs := randomImages(rng, 14)
	for _, way := range []int{3, 7, 5} {
		support := make([][][]float32, way)
		for c := range support {
			support[c] = imgs[2*c : 2*c+2]
		}
		query := imgs[13]
		f, err := NewFineTuner("fomaml", params, map[string]string{"config": cfg})
		if err != nil {
			t.Fatal(err)
		}
		if f.HeadWay() != 5 || f.ProtoHead() {
			t.Fatalf("HeadWay %d, ProtoHead %v before any task", f.HeadWay(), f.ProtoHead())
		}
		got := adaptFully(t, f, support, query)
		proto, err := NewFineTuner("fomaml", conv, map[string]string{"config": `{"adapt_steps": 3, "inner_lr": 0.1, "proto_head": true}`})
		if err != nil {
			t.Fatal(err)
		}
		want := adaptFully(t, proto, support, query)
		same := true
		for k := range want.Probs {
			same = same && math.Abs(got.Probs[k]-want.Probs[k]) < 1e-6 && math.Abs(got.Before[k]-want.Before[k]) < 1e-6
		}
		if len(got.Probs) != way {
			t.Fatalf("%d-way: %d probabilities", way, len(got.Probs))
		}
		if way == 5 {
			if f.ProtoHead() || same {
				t.Errorf("5-way task: ProtoHead %v, probabilities those of the prototype head %v: the learned head was not used", f.ProtoHead(), same)
			}
			continue
		}
		if !f.ProtoHead() || !same {
			t.Errorf("%d-way task: ProtoHead %v, probabilities %v before %v, want the prototype head's %v before %v", way, f.ProtoHead(), got.Probs, got.Before, want.Probs, want.Before)
		}
	}
}

// TestFineTunerMatchesLearner: step by step, the page's fine-tuning gives
// each query the probabilities of core/maml's Adapt, for each BatchNorm
// setting. A model meta-trained with transductive BatchNorm (Finn et al.'s, the
// bundled FOMAML) is classified one query at a time like a support-BN one:
// the page's answer for each query is the learner's Probs (metaglot eval
// -protocol one), not its TransductiveProbs.
func TestFineTunerMatchesLearner(t *testing.T) {
	type variant struct {
		bn    learner.BN
		inner learner.InnerParams
	}
	variants := []variant{{learner.SupportBN, learner.AllParams}, {learner.RunningBN, learner.AllParams}, {learner.TransductiveBN, learner.AllParams}, {learner.SupportBN, learner.NoBNParams}}
	for _, v := range variants {
		bn := v.bn
		t.Run(bn.String()+"/"+v.inner.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(9, 10))
			params := nn.NewConv4Params(rng)
			if err := learnertest.LearnRunningStats(rng, params); err != nil {
				t.Fatal(err)
			}
			task := learnertest.Task(rng, 3, 2, 1)
			// Heavy noise keeps the probabilities away from 0 and 1,
			// where the two statistics would give the same answer.
			for _, x := range []*tensor.Tensor{task.Support, task.Query} {
				for i := range x.Data {
					x.Data[i] += float32(rng.Float64())
				}
			}
			cfg := fmt.Sprintf(`{"adapt_steps": 2, "inner_lr": 0.05, "proto_head": true, "bn": %q, "inner_params": %q}`, bn, v.inner)
			f, err := NewFineTuner("fomaml", params, map[string]string{"algo": "fomaml", "config": cfg})
			if err != nil {
				t.Fatal(err)
			}
			if f.BN() != bn {
				t.Errorf("BN() = %v, want %v", f.BN(), bn)
			}
			// With a prototype head BatchNorm's gradients are small, so
			// the probabilities below barely tell the two apart: check
			// the setting itself too.
			if got := f.net.InnerParams(); got != v.inner {
				t.Errorf("inner steps change %v, want %v (the file's inner_params)", got, v.inner)
			}
			support := make([][][]float32, task.Way)
			for i, k := range task.SupportLabels {
				support[k] = append(support[k], task.Support.Data[i*ImageLen:(i+1)*ImageLen])
			}
			if _, err := f.Classify(support, task.Query.Data[:ImageLen]); !errors.Is(err, ErrAdapting) {
				t.Fatalf("first Classify: %v, want ErrAdapting", err)
			}
			for f.Step() {
			}
			l, err := maml.New(params.Clone(), maml.Config{AdaptSteps: 2, InnerLR: 0.05, ProtoHead: true, BN: bn, InnerParams: v.inner})
			if err != nil {
				t.Fatal(err)
			}
			c, err := l.Adapt(task)
			if err != nil {
				t.Fatal(err)
			}
			want, err := c.Probs(task.Query)
			if err != nil {
				t.Fatal(err)
			}
			for q := range task.Query.Shape[0] {
				res, err := f.Classify(support, task.Query.Data[q*ImageLen:(q+1)*ImageLen])
				if err != nil {
					t.Fatal(err)
				}
				for k, p := range res.Probs {
					if w := float64(want.Data[q*task.Way+k]); math.Abs(p-w) > 1e-5 {
						t.Errorf("query %d class %d: page %v, learner %v", q, k, p, w)
					}
				}
			}
		})
	}
	if _, err := NewFineTuner("fomaml", nn.NewConv4Params(rand.New(rand.NewPCG(1, 1))), map[string]string{"config": `{"proto_head": true, "bn": "batch"}`}); err == nil || !strings.Contains(err.Error(), "batch") {
		t.Errorf("unknown bn: %v", err)
	}
	if _, err := NewFineTuner("fomaml", nn.NewConv4Params(rand.New(rand.NewPCG(1, 1))), map[string]string{"config": `{"proto_head": true, "inner_params": "heads"}`}); err == nil || !strings.Contains(err.Error(), "heads") {
		t.Errorf("unknown inner_params: %v", err)
	}
}

// adaptFully classifies query under support with f, running every
// fine-tuning step.
func adaptFully(t *testing.T, f *FineTuner, support [][][]float32, query []float32) Result {
	t.Helper()
	if _, err := f.Classify(support, query); !errors.Is(err, ErrAdapting) {
		t.Fatalf("first Classify: %v, want ErrAdapting", err)
	}
	for f.Step() {
	}
	res, err := f.Classify(support, query)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestFineTunerBeforeAfter checks what the page shows of the inner loop:
// one support loss per step, the probabilities before adaptation equal to
// those of a 0-step adaptation, and, with a larger inner learning rate,
// probabilities after adaptation that differ from those before (the steps
// change the prediction) and a support loss that falls.
func TestFineTunerBeforeAfter(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	params := learner.NewHeadNetParams(rng, 3)
	f, err := NewFineTuner("fomaml", params, map[string]string{"algo": "fomaml", "config": `{"adapt_steps": 5, "inner_lr": 0.003}`})
	if err != nil {
		t.Fatal(err)
	}
	imgs := randomImages(rng, 7)
	support := [][][]float32{imgs[0:2], imgs[2:4], imgs[4:6]}
	query := imgs[6]

	if err := f.SetInner(0, 0.003); err != nil {
		t.Fatal(err)
	}
	zero := adaptFully(t, f, support, query)
	if n := len(f.Losses()); n != 0 {
		t.Fatalf("0 steps recorded %d losses", n)
	}
	for c := range zero.Probs {
		if zero.Probs[c] != zero.Before[c] {
			t.Fatalf("0 steps: after %v ≠ before %v", zero.Probs, zero.Before)
		}
	}

	if err := f.SetInner(8, 0.5); err != nil {
		t.Fatal(err)
	}
	res := adaptFully(t, f, support, query)
	losses := f.Losses()
	if len(losses) != 8 {
		t.Fatalf("%d losses recorded for 8 steps", len(losses))
	}
	if !(losses[len(losses)-1] < losses[0]) {
		t.Errorf("support loss did not fall: %v", losses)
	}
	var diff float64
	for c := range res.Probs {
		if res.Before[c] != zero.Before[c] {
			t.Fatalf("before-probabilities depend on the settings: %v vs %v", res.Before, zero.Before)
		}
		diff = max(diff, math.Abs(res.Probs[c]-res.Before[c]))
	}
	if diff < 0.01 {
		t.Errorf("adaptation changed no probability by 0.01: before %v, after %v", res.Before, res.Probs)
	}
	if s, lr := f.Inner(); s != 8 || lr != 0.5 {
		t.Errorf("Inner() = %d, %v", s, lr)
	}
	if s, lr := f.DefaultInner(); s != 5 || lr != 0.003 {
		t.Errorf("DefaultInner() = %d, %v", s, lr)
	}
}

// TestFineTunerSetInnerRefusesBadValues checks that bad inner settings are
// refused with an error naming the value and leave the settings as they
// were.
func TestFineTunerSetInnerRefusesBadValues(t *testing.T) {
	params := learner.NewHeadNetParams(rand.New(rand.NewPCG(1, 2)), 3)
	f, err := NewFineTuner("reptile", params, map[string]string{"algo": "reptile", "config": `{"adapt_steps": 4, "inner_lr": 0.1}`})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		steps int
		lr    float64
		want  string
	}{
		{-1, 0.1, "inner steps -1"},
		{MaxInnerSteps + 1, 0.1, fmt.Sprintf("inner steps %d", MaxInnerSteps+1)},
		{4, 0, "learning rate 0"},
		{4, -0.5, "learning rate -0.5"},
		{4, math.NaN(), "learning rate NaN"},
		{4, MaxInnerLR + 1, "learning rate 11"},
	} {
		err := f.SetInner(c.steps, c.lr)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("SetInner(%d, %v) = %v, want an error with %q", c.steps, c.lr, err, c.want)
		}
		if s, lr := f.Inner(); s != 4 || float32(lr) != 0.1 {
			t.Errorf("after SetInner(%d, %v): settings %d, %v", c.steps, c.lr, s, lr)
		}
	}
}

// tuneFresh classifies query under support with a fresh FineTuner of
// the given config, running every step, and returns the result.
func tuneFresh(t *testing.T, params *tensor.Set, cfg string, support [][][]float32, query []float32) (*FineTuner, Result) {
	t.Helper()
	f, err := NewFineTuner("fomaml", params, map[string]string{"config": cfg})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Classify(support, query); err != nil && !errors.Is(err, ErrAdapting) {
		t.Fatal(err)
	}
	for f.Step() {
	}
	res, err := f.Classify(support, query)
	if err != nil {
		t.Fatal(err)
	}
	return f, res
}

// TestFineTunerTrace checks the query's probabilities after each step
// (Trace): one row per step done, row k−1 what an adaptation of k steps
// gives at the end, the last row the final probabilities; for both heads
// and both kinds of BatchNorm statistics.
func TestFineTunerTrace(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	imgs := randomImages(rng, 7)
	support := [][][]float32{imgs[0:2], {}, imgs[2:4], imgs[4:6]}
	query := imgs[6]
	for _, c := range []struct {
		params *tensor.Set
		head   string
	}{
		{learner.NewHeadNetParams(rng, 3), `"proto_head": false`},
		{nn.NewConv4Params(rng), `"proto_head": true`},
	} {
		for _, bn := range []string{"support", "running"} {
			cfg := func(steps int) string {
				return fmt.Sprintf(`{"adapt_steps": %d, "inner_lr": 0.4, %s, "bn": %q}`, steps, c.head, bn)
			}
			const steps = 5
			f, err := NewFineTuner("fomaml", c.params, map[string]string{"config": cfg(steps)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Classify(support, query); !errors.Is(err, ErrAdapting) {
				t.Fatalf("%s %s: %v, want ErrAdapting", c.head, bn, err)
			}
			if n := len(f.Trace()); n != 0 {
				t.Fatalf("%s %s: %d rows before any step", c.head, bn, n)
			}
			before := f.TraceBefore()
			if len(before) != len(support) {
				t.Fatalf("%s %s: probabilities before adaptation %v at its start", c.head, bn, before)
			}
			for done := 1; f.Step(); done++ {
				if n := len(f.Trace()); n != done {
					t.Fatalf("%s %s: %d rows after %d steps", c.head, bn, n, done)
				}
			}
			final, err := f.Classify(support, query)
			if err != nil {
				t.Fatal(err)
			}
			trace := f.Trace()
			if len(trace) != steps {
				t.Fatalf("%s %s: %d rows after the adaptation, want %d", c.head, bn, len(trace), steps)
			}
			near := func(what string, got, want []float64) {
				t.Helper()
				for i := range want {
					if math.IsNaN(want[i]) != math.IsNaN(got[i]) || math.Abs(got[i]-want[i]) > 1e-6 {
						t.Fatalf("%s %s: %s: %v, want %v", c.head, bn, what, got, want)
					}
				}
			}
			near("last row vs the final probabilities", trace[steps-1], final.Probs)
			near("before-probabilities at the start vs at the end", before, final.Before)
			var change float64
			for k := 1; k <= steps; k++ {
				_, res := tuneFresh(t, c.params, cfg(k), support, query)
				near(fmt.Sprintf("row %d vs an adaptation of %d steps", k-1, k), trace[k-1], res.Probs)
				change = max(change, math.Abs(trace[k-1][0]-trace[0][0]))
			}
			if change == 0 {
				t.Errorf("%s %s: the trace does not change from step to step: %v", c.head, bn, trace)
			}
		}
	}
}

// TestFineTunerTraceQuery checks that the trace is for one query: a new
// query in the middle of an adaptation starts it again, and one after it
// has finished drops the rows (they were for the old query).
func TestFineTunerTraceQuery(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	imgs := randomImages(rng, 6)
	support := [][][]float32{imgs[0:2], imgs[2:4]}
	f, err := NewFineTuner("fomaml", nn.NewConv4Params(rng), map[string]string{"config": `{"adapt_steps": 4, "proto_head": true}`})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Classify(support, imgs[4]); !errors.Is(err, ErrAdapting) {
		t.Fatal(err)
	}
	f.Step()
	f.Step()
	if _, err := f.Classify(support, imgs[5]); !errors.Is(err, ErrAdapting) {
		t.Fatal(err)
	}
	if done, _ := f.Progress(); done != 0 || len(f.Trace()) != 0 {
		t.Fatalf("new query mid-adaptation: %d steps done, %d rows; want it started again", done, len(f.Trace()))
	}
	for f.Step() {
	}
	res, err := f.Classify(support, imgs[5])
	if err != nil {
		t.Fatal(err)
	}
	if tr := f.Trace(); len(tr) != 4 || math.Abs(tr[3][0]-res.Probs[0]) > 1e-6 {
		t.Fatalf("trace %v for final %v", tr, res.Probs)
	}
	if _, err := f.Classify(support, imgs[4]); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Trace()); n != 0 {
		t.Fatalf("new query after the adaptation: %d rows of the old one kept", n)
	}
}
