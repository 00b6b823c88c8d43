package classify

import (
	"math/rand/v2"
	"strings"
	"testing"

	"metaglot/core/learner"
	"metaglot/core/nn"
)

// TestNetOf: a weights file's network is its config's "net": Conv4 when
// the file says none (every file from before conv4s2, a PyTorch
// state_dict), and a name the page does not know, or a config it cannot
// read, is an error of one line naming it.
func TestNetOf(t *testing.T) {
	for _, meta := range []map[string]string{nil, {}, {"config": `{"algo":"protonet"}`}, {"config": `{"net":"conv4"}`}} {
		net, err := NetOf(meta)
		if err != nil || net.Name != learner.Conv4.Name {
			t.Errorf("NetOf(%v) = %v, %v; want conv4", meta, net, err)
		}
	}
	for meta, want := range map[string]string{`{"net":"conv5"}`: `"conv5"`, `{"net":3}`: "config", `{`: "config"} {
		_, err := NetOf(map[string]string{"config": meta})
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("NetOf(config %s): %v; want one line containing %s", meta, err, want)
		}
	}
}

// TestFineTunerUnknownNet: FOMAML or Reptile weights whose config names a
// network the page cannot run are refused in one line naming it, whether
// or not they have a learned head (Conv4's tensors would load, and Conv4
// must never run weights trained for another network).
func TestFineTunerUnknownNet(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct {
		cfg  string
		head bool
	}{{`{"net":"conv5"}`, true}, {`{"net":"conv5","proto_head":true}`, false}} {
		params := nn.NewConv4Params(rng)
		if c.head {
			params = learner.NewHeadNetParams(rng, 5)
		}
		for _, name := range []string{"fomaml", "reptile"} {
			f, err := NewFineTuner(name, params, map[string]string{"algo": name, "config": c.cfg})
			if err == nil || f != nil || !strings.Contains(err.Error(), `unknown network "conv5"`) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s %s: %v; want one line naming the network", name, c.cfg, err)
			}
		}
	}
}
