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
	_, err = f.Classify([][][]float32{imgs[:1], imgs[1:2], imgs[2:]}, imgs[0])
	if err == nil || !strings.Contains(err.Error(), "5-way head") {
		t.Errorf("3 classes for a 5-way head: %v", err)
	}
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
func TestFineTunerMatchesLearner(t *testing.T) {
	for _, bn := range []learner.BN{learner.SupportBN, learner.RunningBN} {
		t.Run(bn.String(), func(t *testing.T) {
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
			cfg := fmt.Sprintf(`{"adapt_steps": 2, "inner_lr": 0.05, "proto_head": true, "bn": %q}`, bn)
			f, err := NewFineTuner("fomaml", params, map[string]string{"algo": "fomaml", "config": cfg})
			if err != nil {
				t.Fatal(err)
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
			l, err := maml.New(params.Clone(), maml.Config{AdaptSteps: 2, InnerLR: 0.05, ProtoHead: true, BN: bn})
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
}
