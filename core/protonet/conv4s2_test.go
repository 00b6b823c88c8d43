package protonet

import (
	"math/rand/v2"
	"strings"
	"testing"

	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
	"metaglot/core/nn"
)

// TestConv4S2: ProtoNet on the stride-2 network (Config.Net "conv4s2")
// embeds in 256 dimensions (its prototypes are 256 wide), its loss falls
// over a few episodes, the same weights and episode give another loss than
// on Conv4 (the net is used, not ignored), and an unknown net is refused by
// name. (The shared suite runs on it in core/algo/all.)
func TestConv4S2(t *testing.T) {
	loss := map[string][]float64{}
	for _, net := range []string{"conv4", "conv4s2"} {
		rng := rand.New(rand.NewPCG(5, 5))
		l, err := New(nn.NewConv4Params(rng), Config{Net: net})
		if err != nil {
			t.Fatal(err)
		}
		task := learnertest.Task(rng, 5, 2, 3)
		for range 6 {
			m, err := l.Step([]*learner.Task{task})
			if err != nil {
				t.Fatal(err)
			}
			loss[net] = append(loss[net], m.Loss)
		}
		c, err := l.Adapt(task)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := learner.NetNamed(net)
		if p := c.(*Classifier).Prototypes(); p.Shape[0] != 5 || p.Shape[1] != n.Dim {
			t.Errorf("%s: prototypes %v, want [5 %d]", net, p.Shape, n.Dim)
		}
	}
	if s := loss["conv4s2"]; !(s[len(s)-1] < s[0]) {
		t.Errorf("conv4s2: the loss went %v over 6 steps on one episode, want it lower", s)
	}
	if loss["conv4"][0] == loss["conv4s2"][0] {
		t.Errorf("the same weights and episode give the loss %v on either network", loss["conv4"][0])
	}
	if _, err := New(nn.NewConv4Params(rand.New(rand.NewPCG(1, 1))), Config{Net: "conv6"}); err == nil || !strings.Contains(err.Error(), `"conv6"`) {
		t.Errorf("Net conv6: error %v, want one naming it", err)
	}
}
