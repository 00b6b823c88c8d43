package mann

import (
	"fmt"
	"math"
	"math/rand/v2"

	"metaglot/core/tensor"
)

// Config is the shape of a MANN and its training settings. A zero field
// means the value of Santoro et al. (2016) given in its comment.
type Config struct {
	// Side is the side of the square image the controller reads: 20 (the
	// paper's 20×20, an adaptive average pooling of metaglot's 28×28
	// images) or 28 (the images as they are). 0 means 20.
	Side int
	// Classes is the largest way the network can classify: with one-hot
	// labels its output units C (0 means 5); with string labels always
	// StringLabels (3125: withDefaults sets it), the output being 25
	// units whatever the way.
	Classes int
	// Labels is the label code of the input and the output (see Labels):
	// OneHot (the zero value) or String.
	Labels Labels
	Units  int     // LSTM controller units; 0 means 200
	Slots  int     // memory slots N; 0 means 128
	Width  int     // memory width D (a slot, a key, a read vector); 0 means 40
	Heads  int     // read heads; 0 means 4
	Gamma  float64 // usage decay γ in (0, 1); 0 means 0.95
	LR     float64 // the optimizer's learning rate; 0 means 1e-3
	// Optimizer updates the weights: Adam (the zero value; PyTorch's
	// defaults) or RMSProp, with Santoro et al.'s decay 0.95 and momentum
	// 0.9.
	Optimizer Optimizer
	// PermuteLabels makes Step permute each task's labels at random
	// before running it. Santoro et al. shuffle the labels from episode to
	// episode so that no class keeps a label and the network must bind
	// labels in its memory; package episode's sampler already does so
	// (each episode draws its classes at random and labels them in the
	// order drawn: TestSamplerShufflesLabels), so Step keeps the labels it
	// is given unless asked. Set it for task sources whose classes keep
	// their labels.
	PermuteLabels bool
}

// Default returns the paper's configuration for classes output units
// (Santoro et al. 2016, section 4.1: an LSTM controller of 200 units, a
// memory of 128 slots of 40, four read heads).
func Default(classes int) Config { return Config{Classes: classes}.withDefaults() }

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Side, 20)
	def(&c.Classes, 5)
	def(&c.Units, 200)
	def(&c.Slots, 128)
	def(&c.Width, 40)
	def(&c.Heads, 4)
	if c.Labels == String {
		c.Classes = StringLabels
	}
	if c.Gamma == 0 {
		c.Gamma = 0.95
	}
	if c.LR == 0 {
		c.LR = 1e-3
	}
	return c
}

// check returns an error naming the first field out of range.
func (c Config) check() error {
	switch {
	case c.Labels != OneHot && c.Labels != String:
		return fmt.Errorf("mann: label code %v, want onehot or string", c.Labels)
	case c.Side != 20 && c.Side != 28:
		return fmt.Errorf("mann: image side %d, want 20 or 28", c.Side)
	case c.Classes < 1 || c.Units < 1 || c.Slots < 1 || c.Width < 1 || c.Heads < 1:
		return fmt.Errorf("mann: classes %d, units %d, slots %d, width %d, heads %d: each must be at least 1",
			c.Classes, c.Units, c.Slots, c.Width, c.Heads)
	case c.Heads > c.Slots:
		return fmt.Errorf("mann: %d heads for %d slots: LRUA writes to as many least-used slots as there are heads", c.Heads, c.Slots)
	case !(c.Gamma > 0 && c.Gamma < 1):
		return fmt.Errorf("mann: usage decay γ %v, want a value in (0, 1)", c.Gamma)
	case c.Optimizer != Adam && c.Optimizer != RMSProp:
		return fmt.Errorf("mann: optimizer %v, want adam or rmsprop", c.Optimizer)
	case !(c.LR >= 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("mann: learning rate %v, want a finite value ≥ 0", c.LR)
	}
	return nil
}

// Optimizer names the optimizer of a MANN's weights.
type Optimizer int

const (
	Adam    Optimizer = iota // Adam (Kingma & Ba), PyTorch's β 0.9 / 0.999, ε 1e-8
	RMSProp                  // RMSProp as Santoro et al. train: decay 0.95, momentum 0.9, ε 1e-8
)

var optimizerNames = [...]string{Adam: "adam", RMSProp: "rmsprop"}

// String returns the optimizer's name as the setting spells it.
func (o Optimizer) String() string { return nameOf(optimizerNames[:], int(o), "Optimizer") }

// ParseOptimizer returns the optimizer called s ("" means adam: files
// written before the setting existed).
func ParseOptimizer(s string) (Optimizer, error) {
	i, err := parseName(optimizerNames[:], s, "optimizer")
	return Optimizer(i), err
}

// Santoro et al.'s RMSProp settings (2016, section 4.1 and appendix).
const (
	rmspropDecay    = 0.95
	rmspropMomentum = 0.9
)

// pixels is the size of the image part of the controller's input.
func (c Config) pixels() int { return c.Side * c.Side }

// outputs is the number of output units, and of the units of the label
// in the input: Classes for one-hot labels, 25 for strings.
func (c Config) outputs() int { return c.Labels.width(c.Classes) }

// direct is the size of the part of the controller's input known before
// the episode runs: the image and the previous step's label.
func (c Config) direct() int { return c.pixels() + c.outputs() }

// inputs is the controller's input size: image, previous label, and the
// previous step's read vectors.
func (c Config) inputs() int { return c.direct() + c.Heads*c.Width }

// Parameter names, those of the PyTorch module in testdata/gen_golden.py:
// an nn.LSTMCell "controller", and nn.Linear layers "key" (the heads'
// keys), "gate" (the heads' write gates α) and "out" (the class logits).
const (
	nameWih  = "controller.weight_ih"
	nameWhh  = "controller.weight_hh"
	nameBih  = "controller.bias_ih"
	nameBhh  = "controller.bias_hh"
	nameWk   = "key.weight"
	nameBk   = "key.bias"
	nameWg   = "gate.weight"
	nameBg   = "gate.bias"
	nameWo   = "out.weight"
	nameBo   = "out.bias"
	numParam = 10
)

// shapes returns the parameters' names and shapes, in the order of
// weights' fields.
func (c Config) shapes() ([numParam]string, [numParam][]int) {
	u, hd := c.Units, c.Heads*c.Width
	return [numParam]string{nameWih, nameWhh, nameBih, nameBhh, nameWk, nameBk, nameWg, nameBg, nameWo, nameBo},
		[numParam][]int{{4 * u, c.inputs()}, {4 * u, u}, {4 * u}, {4 * u}, {hd, u}, {hd}, {c.Heads, u}, {c.Heads}, {c.outputs(), u + hd}, {c.outputs()}}
}

// NewParams returns parameters for c initialized as PyTorch initializes
// nn.LSTMCell and nn.Linear: uniform in ±1/√fan, fan the LSTM's units or
// the layer's inputs. It panics if c is invalid (see New for the error).
func NewParams(c Config, rng *rand.Rand) *tensor.Set {
	c = c.withDefaults()
	if err := c.check(); err != nil {
		panic(err.Error())
	}
	names, shapes := c.shapes()
	p := &tensor.Set{}
	for i, name := range names {
		t := tensor.New(shapes[i]...)
		fan := c.Units // the LSTM: 1/√hidden for all four
		switch name {
		case nameWk, nameBk, nameWg, nameBg:
			fan = c.Units
		case nameWo, nameBo:
			fan = c.Units + c.Heads*c.Width
		}
		bound := 1 / math.Sqrt(float64(fan))
		for j := range t.Data {
			t.Data[j] = float32((2*rng.Float64() - 1) * bound)
		}
		p.Add(name, t)
	}
	return p
}

// ConfigOf returns c with its Side, Classes, Units, Heads and Width read
// from the shapes of params (the slots N are not part of the parameters:
// c.Slots is kept), or an error naming the first inconsistent tensor.
// The label code is not in the shapes either: c.Labels is kept (a model
// file records it in its settings; see Load), and with string labels the
// output layer must have 25 units.
func ConfigOf(c Config, params *tensor.Set) (Config, error) {
	c = c.withDefaults()
	wo, wk, wh, wi := params.Get(nameWo), params.Get(nameWk), params.Get(nameWhh), params.Get(nameWih)
	if wo == nil || wk == nil || wh == nil || wi == nil || len(wo.Shape) != 2 || len(wk.Shape) != 2 || len(wh.Shape) != 2 || len(wi.Shape) != 2 {
		return c, fmt.Errorf("mann: parameters lack %s, %s, %s or %s of rank 2 (not a MANN?)", nameWih, nameWhh, nameWk, nameWo)
	}
	c.Units = wh.Shape[1]
	if c.Labels == String {
		if wo.Shape[0] != stringWidth {
			return c, fmt.Errorf("mann: string labels need %d output units (%d characters of %d letters), %s has %d", stringWidth, StringChars, StringLetters, nameWo, wo.Shape[0])
		}
	} else {
		c.Classes = wo.Shape[0]
	}
	hd := wo.Shape[1] - c.Units
	if g := params.Get(nameWg); g != nil && len(g.Shape) == 2 && g.Shape[0] > 0 {
		c.Heads = g.Shape[0]
		c.Width = hd / c.Heads
	}
	side := int(math.Round(math.Sqrt(float64(wi.Shape[1] - c.outputs() - hd))))
	c.Side = side
	return c, checkParams(c, params)
}

// checkParams returns an error unless params holds exactly the tensors of
// c's architecture.
func checkParams(c Config, params *tensor.Set) error {
	if params == nil {
		return fmt.Errorf("mann: nil parameters")
	}
	if err := c.check(); err != nil {
		return err
	}
	names, shapes := c.shapes()
	want := &tensor.Set{}
	for i, n := range names {
		want.Add(n, &tensor.Tensor{Shape: shapes[i]})
	}
	if err := params.Match(want); err != nil {
		return fmt.Errorf("mann: parameters for %d classes (%s labels), %d units, %d heads of width %d on %d×%d images: %w",
			c.Classes, c.Labels, c.Units, c.Heads, c.Width, c.Side, c.Side, err)
	}
	for i := range params.Len() {
		n, t := params.At(i)
		if len(t.Data) != tensor.Size(t.Shape) {
			return fmt.Errorf("mann: parameter %q has %d values for shape %v", n, len(t.Data), tensor.ShapeString(t.Shape))
		}
	}
	return nil
}
