package learner

import (
	"fmt"
	"strings"

	"metaglot/core/nn"
)

// Backbone is the embedding network under a learner (nn.Backbone):
// nn.Conv4 (the max-pooling Conv4 of Vinyals et al. and Snell et al.) or
// nn.Conv4S2 (the stride-2 network of Finn et al. and Nichol et al.). Both
// take the parameters of nn.NewConv4Params (the same names and shapes) and
// differ in what they compute with them, so a parameter set alone does not
// say which network it belongs to: the model's metadata does
// (modelfile.Config.Net, read by NetNamed). Forward's N×Dim result is owned
// by the network and overwritten by its next call; Embed is Forward(p, x,
// false) up to float rounding; Backward overwrites the trainable tensors of
// grads with the gradients given dEmb for the last Forward.
type Backbone = nn.Backbone

// Net describes one choice of backbone: what the "net" setting of a run
// names (modelfile.Config.Net) and what a learner needs to know of it.
// Use the values Conv4 and Conv4S2 (or NetNamed); the zero Net is not a
// network.
type Net struct {
	// Name is the setting's value: "conv4" or "conv4s2".
	Name string
	// Dim is the length of an embedding: the width of a linear head's
	// input (head.weight is way×Dim) and of a prototype.
	Dim int
	// Sides are the heights (= widths) of the feature maps each block's
	// BatchNorm normalizes (its convolution's output), in block order: a
	// BatchNorm channel of a batch of N images averages N·side² values
	// (HeadNet.SupportStats needs the count).
	Sides [nn.Blocks]int
}

// Conv4 is the max-pooling Conv4 (nn.Conv4): 3×3 convolutions with padding
// 1, each followed by BatchNorm, ReLU and a 2×2 max-pool (28→14→7→3→1), a
// 64-d embedding. It is what "" means: every model written before the net
// setting existed.
var Conv4 = Net{
	Name:  nn.NetConv4,
	Dim:   nn.EmbeddingDim,
	Sides: [nn.Blocks]int{28, 14, 7, 3},
}

// Conv4S2 is the stride-2 network of Finn et al. 2017 and Nichol et al.
// 2018 for Omniglot (nn.Conv4S2): 3×3 convolutions of stride 2 with
// padding 1, each followed by BatchNorm and ReLU, no pooling
// (28→14→7→4→2), the last 64×2×2 activations flattened into a 256-d
// embedding. Its convolutions cost about a quarter of Conv4's.
var Conv4S2 = Net{
	Name:  nn.NetConv4S2,
	Dim:   nn.Conv4S2EmbeddingDim,
	Sides: [nn.Blocks]int{14, 7, 4, 2},
}

// nets are the networks NetNamed knows, the first one the meaning of "".
var nets = []Net{Conv4, Conv4S2}

// NetNames returns the names of the networks, the default (meant by "")
// first: the choices of the net setting.
func NetNames() []string {
	var out []string
	for _, n := range nets {
		out = append(out, n.Name)
	}
	return out
}

// NetNamed returns the network called name ("" is Conv4), or an error
// naming the value and the networks there are.
func NetNamed(name string) (Net, error) {
	if name == "" {
		return nets[0], nil
	}
	for _, n := range nets {
		if n.Name == name {
			return n, nil
		}
	}
	return Net{}, fmt.Errorf("unknown network %q (want %s)", name, strings.Join(NetNames(), " or "))
}

// New returns a new network of kind nt whose convolutions spread over par
// (nil means one goroutine). It panics on the zero Net.
func (nt Net) New(par nn.Parallel) Backbone {
	if nt.Name == "" {
		panic("learner: New of the zero Net")
	}
	b, _, err := nn.NewBackbone(nt.Name, par)
	if err != nil {
		panic("learner: " + err.Error()) // Conv4 and Conv4S2 are the only Nets
	}
	return b
}

// String returns the network's name.
func (nt Net) String() string { return nt.Name }
