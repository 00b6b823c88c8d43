package trainer

import (
	"math/rand/v2"
	"strings"
	"testing"

	"metaglot/core/learner"
	"metaglot/core/nn"
)

// TestParseWeightsUnknownNet: a file whose config names a network the
// page cannot run is refused in one line naming it (its tensors are
// Conv4's, and Conv4 must never run them).
func TestParseWeightsUnknownNet(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, p := range []struct {
		algo string
		head bool
	}{{"protonet", false}, {"fomaml", true}} {
		params := nn.NewConv4Params(rng)
		if p.head {
			params = learner.NewHeadNetParams(rng, 5)
		}
		data := encode(t, params, map[string]string{"algo": p.algo, "config": `{"algo":"` + p.algo + `","net":"conv5"}`})
		w, err := ParseWeights(data)
		if err == nil || w != nil || !strings.Contains(err.Error(), `unknown network "conv5"`) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s weights of net conv5: %v; want one line naming the network", p.algo, err)
		}
	}
}
