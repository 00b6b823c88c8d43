package classify

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
	"metaglot/core/maml"
	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// TestFineTunerConv4S2MatchesLearner: a conv4s2 FOMAML model (config net
// conv4s2) fine-tunes in the page step by step to core/maml's Adapt of the
// same conv4s2 model on the same task, with a learned 3×256 head and with
// the prototype head, under support and running BatchNorm statistics. With
// the prototype head the tensors are Conv4's exactly: only the net makes
// the page run conv4s2, and the answer must then differ from Conv4's.
func TestFineTunerConv4S2MatchesLearner(t *testing.T) {
	for _, protoHead := range []bool{false, true} {
		for _, bn := range []learner.BN{learner.SupportBN, learner.RunningBN} {
			t.Run(fmt.Sprintf("proto_head=%v/%v", protoHead, bn), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(11, 12))
				params := learner.Conv4S2.NewHeadNetParams(rng, 3)
				if protoHead {
					params = nn.NewConv4Params(rng)
				}
				if err := learnertest.LearnRunningStats(rng, params); err != nil {
					t.Fatal(err)
				}
				task := learnertest.Task(rng, 3, 2, 2)
				for _, x := range []*tensor.Tensor{task.Support, task.Query} {
					for i := range x.Data {
						x.Data[i] += float32(rng.Float64())
					}
				}
				cfg := fmt.Sprintf(`{"net": "conv4s2", "adapt_steps": 2, "inner_lr": 0.05, "proto_head": %v, "bn": %q}`, protoHead, bn)
				f, err := NewFineTuner("fomaml", params, map[string]string{"algo": "fomaml", "config": cfg})
				if err != nil {
					t.Fatal(err)
				}
				if f.Net().Name != "conv4s2" || (f.HeadWay() == 3) == protoHead {
					t.Fatalf("Net %v, HeadWay %d", f.Net(), f.HeadWay())
				}
				support := make([][][]float32, task.Way)
				for i, k := range task.SupportLabels {
					support[k] = append(support[k], task.Support.Data[i*ImageLen:(i+1)*ImageLen])
				}
				l, err := maml.New(params.Clone(), maml.Config{Net: "conv4s2", AdaptSteps: 2, InnerLR: 0.05, ProtoHead: protoHead, BN: bn})
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
				var conv4 *FineTuner
				if protoHead {
					if conv4, err = NewFineTuner("fomaml", params, map[string]string{"algo": "fomaml", "config": fmt.Sprintf(`{"adapt_steps": 2, "inner_lr": 0.05, "proto_head": true, "bn": %q}`, bn)}); err != nil {
						t.Fatal(err)
					}
				}
				differs := false
				for q := range task.Query.Shape[0] {
					query := task.Query.Data[q*ImageLen : (q+1)*ImageLen]
					res := classifyAdapted(t, f, support, query)
					for k, p := range res.Probs {
						if w := float64(want.Data[q*task.Way+k]); math.Abs(p-w) > 1e-5 {
							t.Errorf("query %d class %d: page %v, learner %v", q, k, p, w)
						}
					}
					if conv4 != nil {
						r4 := classifyAdapted(t, conv4, support, query)
						for k := range r4.Probs {
							differs = differs || math.Abs(r4.Probs[k]-res.Probs[k]) > 1e-4
						}
					}
				}
				if protoHead && !differs {
					t.Error("conv4s2 and Conv4 give the same probabilities: the net was not used")
				}
			})
		}
	}
}

// classifyAdapted classifies query under support with f, adapting first
// if f has not adapted to support yet.
func classifyAdapted(t testing.TB, f *FineTuner, support [][][]float32, query []float32) Result {
	t.Helper()
	res, err := f.Classify(support, query)
	if errors.Is(err, ErrAdapting) {
		for f.Step() {
		}
		res, err = f.Classify(support, query)
	}
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestBackboneConv4S2: ProtoNet's embedder of a conv4s2 model gives
// nn.Conv4S2's 256-d inference embeddings, and the prototype
// classification follows them.
func TestBackboneConv4S2(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	params := nn.NewConv4Params(rng)
	if err := learnertest.LearnRunningStats(rng, params); err != nil {
		t.Fatal(err)
	}
	net, err := NetOf(map[string]string{"config": `{"algo":"protonet","net":"conv4s2"}`})
	if err != nil {
		t.Fatal(err)
	}
	b := NewBackbone(net, params)
	imgs := randomImages(rng, 4)
	x := tensor.New(4, 1, nn.ImageSize, nn.ImageSize)
	for i, img := range imgs {
		copy(x.Data[i*ImageLen:], img)
	}
	got, err := b.Embed(x)
	if err != nil {
		t.Fatal(err)
	}
	want, err := nn.NewConv4S2(nil).Forward(params, x, false)
	if err != nil {
		t.Fatal(err)
	}
	if got.Shape[1] != nn.Conv4S2EmbeddingDim || len(got.Data) != len(want.Data) {
		t.Fatalf("embeddings %v, want 4×256", got.Shape)
	}
	for i := range want.Data {
		if math.Abs(float64(got.Data[i]-want.Data[i])) > 1e-5 {
			t.Fatalf("embedding value %d: %v, nn.Conv4S2 %v", i, got.Data[i], want.Data[i])
		}
	}
	// Prototypes of one example each: the query equal to example 2 is
	// class 2, with the softmax of minus the squared distances.
	p := NewProtoNet(b)
	res, err := p.Classify([][][]float32{{imgs[0]}, {imgs[1]}, {imgs[2]}}, imgs[2])
	if err != nil {
		t.Fatal(err)
	}
	e := want.Data
	d := func(i, j int) (s float64) {
		for k := range 256 {
			v := float64(e[i*256+k]) - float64(e[j*256+k])
			s += v * v
		}
		return s
	}
	z := math.Exp(-d(2, 0)) + math.Exp(-d(2, 1)) + 1
	if res.Best != 2 || math.Abs(res.Probs[2]-1/z) > 1e-5 || math.Abs(res.Probs[0]-math.Exp(-d(2, 0))/z) > 1e-5 {
		t.Errorf("classification %+v, want p2 = %v", res, 1/z)
	}
}

// BenchmarkAdapt times what Draw & classify does when the classes change
// with a FOMAML model: a whole fine-tuning (10 inner steps on a 5-way
// 1-shot support set, then the query), for each network. Conv4s2's
// convolutions are about a quarter of Conv4's.
func BenchmarkAdapt(b *testing.B) {
	for _, net := range []learner.Net{learner.Conv4, learner.Conv4S2} {
		b.Run(net.Name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			params := net.NewHeadNetParams(rng, 5)
			imgs := randomImages(rng, 6)
			support := [][][]float32{imgs[0:1], imgs[1:2], imgs[2:3], imgs[3:4], imgs[4:5]}
			f, err := NewFineTuner("fomaml", params, map[string]string{"config": `{"net":"` + net.Name + `","adapt_steps":10,"inner_lr":0.4}`})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				imgs[0][i%len(imgs[0])] += 0.5 // a new support set: adapt again
				classifyAdapted(b, f, support, imgs[5])
			}
		})
	}
}
