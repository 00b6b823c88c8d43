package trainer

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"metaglot/core/checkpoint"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/nn"
	"metaglot/core/tensor"
	"metaglot/wasm/trainer/protocol"
	"metaglot/wasm/trainer/weightsfile"
)

// Weights are a network's parameters with what is known of their origin.
type Weights struct {
	Params *tensor.Set // Conv4, plus "head.weight", "head.bias" for a head
	Algo   string      // learner that trained them; "" if the file does not say
	Way    int         // classes of the head; 0 for Conv4 alone
	// Episodes and Seconds are the episodes trained and the training wall
	// time, as far as the file says (0 when it does not).
	Episodes int
	Seconds  float64
}

// Encode returns w as a metaglot model file (safetensors): the parameters
// under PyTorch's names and the metadata "metaglot" = "model", "algo",
// "config" (the run's settings c as JSON), "episodes" and "wall_seconds"
// (core/modelfile), so that a file trained in the page says how it was
// trained and `metaglot eval -model FILE` accepts it.
func (w *Weights) Encode(c protocol.Config) ([]byte, error) {
	fc := modelfile.Config{
		Algo: w.Algo, Split: "vinyals", Way: c.Way, Shot: c.Shot, Query: c.Query,
		Episodes: max(c.Episodes, 1), LR: c.LR, MetaBatch: max(c.MetaBatch, 1), Seed: c.Seed,
		CheckpointEvery: 100, ValEvery: c.EvalEvery, ValEpisodes: c.Tasks(),
	}
	if w.Algo != "protonet" {
		fc.InnerSteps, fc.InnerLR, fc.AdaptSteps = c.InnerSteps, c.InnerLR, c.Adapt()
		if w.Way > 0 {
			fc.Way = w.Way
		}
	}
	meta := modelfile.Meta{
		Kind: modelfile.KindModel, Config: fc, Episodes: w.Episodes, Seconds: w.Seconds,
		Description: fmt.Sprintf("%s trained in the browser for %d episodes", w.Algo, w.Episodes),
	}.Encode()
	var buf bytes.Buffer
	if err := checkpoint.Encode(&buf, w.Params, meta); err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	return buf.Bytes(), nil
}

// ParseWeights reads a safetensors file of a Conv4, with or without a
// linear head (a model or checkpoint file of metaglot, or a file with
// PyTorch's names and no metadata). Optimizer state ("optim." names) is
// ignored. It returns an error saying what is wrong for anything else:
// not a safetensors file, a damaged one, tensors missing, unknown or of
// the wrong shape, NaN or Inf values, or more than weightsfile.MaxBytes.
func ParseWeights(data []byte) (*Weights, error) {
	if err := weightsfile.CheckSize("the file", int64(len(data))); err != nil {
		return nil, err
	}
	set, meta, err := checkpoint.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("not a usable weights file: %w", err)
	}
	raw := &tensor.Set{}
	for i := range set.Len() {
		n, t := set.At(i)
		if !strings.HasPrefix(n, modelfile.OptimPrefix) {
			raw.Add(n, t)
		}
	}
	// num_batches_tracked, learn2learn's and torchmeta's Conv4 names.
	if raw, err = checkpoint.FromPyTorch(raw); err != nil {
		return nil, fmt.Errorf("not a metaglot Conv4 network: %w", err)
	}
	w := &Weights{Algo: meta["algo"]}
	if !validAlgo(w.Algo) {
		w.Algo = ""
	}
	w.Episodes, _ = strconv.Atoi(meta["episodes"])
	w.Seconds, _ = strconv.ParseFloat(meta["wall_seconds"], 64)
	// The templates supply names and shapes; their values are overwritten.
	rng := rand.New(rand.NewPCG(0, 0))
	if raw.Has(learner.HeadName+".weight") || raw.Has(learner.HeadName+".bias") {
		way, err := learner.HeadWay(raw)
		if err != nil {
			return nil, fmt.Errorf("not a metaglot network: %w", err)
		}
		w.Params, w.Way = learner.NewHeadNetParams(rng, way), way
	} else {
		w.Params = nn.NewConv4Params(rng)
	}
	if err := checkpoint.LoadInto(w.Params, raw); err != nil {
		return nil, fmt.Errorf("not a metaglot Conv4 network: %w", err)
	}
	if w.Algo == "protonet" && w.Way > 0 || w.Algo != "" && w.Algo != "protonet" && w.Way == 0 {
		// The metadata contradicts the tensors: trust the tensors.
		w.Algo = ""
	}
	return w, nil
}

func validAlgo(a string) bool {
	for _, b := range protocol.Algorithms() {
		if a == b {
			return true
		}
	}
	return false
}

// paramsFor returns a copy of w's parameters fit for training c: Conv4
// alone for ProtoNet (a head is dropped); Conv4 and a c.Way head for
// FOMAML and Reptile, the head from w if it has c.Way classes, fresh from
// rng if w has none. A head of another size is an error naming both.
func (w *Weights) paramsFor(c protocol.Config, rng *rand.Rand) (*tensor.Set, string, error) {
	if !c.HasHead() {
		p := nn.NewConv4Params(rng)
		for i := range p.Len() {
			n, t := p.At(i)
			t.CopyFrom(w.Params.Get(n))
		}
		return p, "", nil
	}
	p := learner.NewHeadNetParams(rng, c.Way)
	note := ""
	switch {
	case w.Way == 0:
		note = "the weights have no head: a fresh " + strconv.Itoa(c.Way) + "-way head starts from random values"
	case w.Way != c.Way:
		return nil, "", &protocol.FieldError{Field: "way", Msg: fmt.Sprintf("the starting weights have a %d-way head: choose N = %d, or start from scratch", w.Way, w.Way)}
	}
	for i := range p.Len() {
		n, t := p.At(i)
		if src := w.Params.Get(n); src != nil {
			t.CopyFrom(src)
		}
	}
	return p, note, nil
}
