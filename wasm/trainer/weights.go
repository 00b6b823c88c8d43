package trainer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"metaglot/core/algo"
	"metaglot/core/checkpoint"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/nn"
	"metaglot/core/tensor"
	"metaglot/core/train"
	"metaglot/wasm/trainer/protocol"
	"metaglot/wasm/trainer/weightsfile"
)

// Weights are a network's parameters with what is known of their origin.
type Weights struct {
	Params *tensor.Set // the backbone, plus "head.weight", "head.bias" for a head
	Algo   string      // learner that trained them; "" if the file does not say
	Way    int         // classes of the head; 0 for the backbone alone
	// Net is the backbone the parameters are for, as the file's config
	// names it ("" is Conv4, "conv4s2"; learner.NetNamed): the two take the
	// same tensors, so the parameters alone do not tell.
	Net string
	// Episodes and Seconds are the episodes trained and the training wall
	// time, as far as the file says (0 when it does not).
	Episodes int
	Seconds  float64
	// Config is the recipe the weights were trained with, as the file
	// records it (nil when it does not say).
	Config *modelfile.Config
	// SHA256 is the start of the SHA-256 of the file the weights were read
	// from (nil for weights trained here), for the provenance a run that
	// starts from them records (modelfile.Init).
	SHA256 []byte
}

// Encode returns w as a metaglot model file (safetensors): the parameters
// under PyTorch's names and the metadata "metaglot" = "model", "algo",
// "config" (the recipe: w.Config, or the algorithm's quick settings when
// it is unknown), "episodes" and "wall_seconds" (core/modelfile), so that
// a file trained in the page says how it was trained and `metaglot eval
// -model FILE` accepts it.
func (w *Weights) Encode() ([]byte, error) {
	var fc modelfile.Config
	if w.Config != nil {
		fc = *w.Config
	} else if s, err := algo.Lookup(w.Algo); err == nil {
		fc = s.Quick
	}
	fc.Algo = w.Algo
	fc.Net = w.Net
	if w.Way > 0 {
		fc.Way = w.Way
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

// provenance returns what a run's config records of the weights it
// starts from (modelfile.Config.Init, as metaglot train -init writes it):
// the file name (file), the algorithm, the episodes and the SHA-256 of
// the file, or of the parameters' values for weights trained here.
func (w *Weights) provenance(file string) string {
	sum := w.SHA256
	if sum == nil {
		d, _ := hex.DecodeString(train.Digest(w.Params))
		sum = d[:8]
	}
	a := w.Algo
	if a == "" {
		a = "unknown"
	}
	return modelfile.Init{File: file, Algo: a, Episodes: w.Episodes, SHA256: sum}.String()
}

// ParseWeights reads a safetensors file of a Conv4 or conv4s2 (the network
// its config's "net" names; Conv4 when none), with or without a linear
// head (a model or checkpoint file of metaglot, or a file with PyTorch's
// names and no metadata). A network the page does not know is refused in
// one line naming it. Optimizer state ("optim." names) is
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
	// The network: the config's net ("" for Conv4, every file from before
	// conv4s2, and a plain state_dict), whatever else it says.
	var nc struct {
		Net string `json:"net"`
	}
	if c := meta["config"]; c != "" {
		if err := json.Unmarshal([]byte(c), &nc); err != nil {
			return nil, fmt.Errorf("not a usable weights file: config metadata: %v", err)
		}
	}
	net, err := learner.NetNamed(nc.Net)
	if err != nil {
		return nil, fmt.Errorf("not a network the page can run: %w", err)
	}
	sum := sha256.Sum256(data)
	w := &Weights{Algo: meta["algo"], SHA256: sum[:8], Net: nc.Net}
	if !validAlgo(w.Algo) {
		w.Algo = ""
	}
	w.Episodes, _ = strconv.Atoi(meta["episodes"])
	if m, err := modelfile.Decode(meta); err == nil && m.Config.Algo == w.Algo && w.Algo != "" {
		w.Config = &m.Config
	}
	w.Seconds, _ = strconv.ParseFloat(meta["wall_seconds"], 64)
	// The templates supply names and shapes; their values are overwritten.
	rng := rand.New(rand.NewPCG(0, 0))
	if raw.Has(learner.HeadName+".weight") || raw.Has(learner.HeadName+".bias") {
		way, err := net.HeadWay(raw)
		if err != nil {
			return nil, fmt.Errorf("not a metaglot %s network: %w", net, err)
		}
		w.Params, w.Way = net.NewHeadNetParams(rng, way), way
	} else {
		w.Params = nn.NewConv4Params(rng)
	}
	if err := checkpoint.LoadInto(w.Params, raw); err != nil {
		return nil, fmt.Errorf("not a metaglot Conv4 network: %w", err)
	}
	if s, err := algo.Lookup(w.Algo); err == nil {
		head := w.Way > 0
		if head && !s.Caps.LearnedHead || !head && s.Caps.LearnedHead && !s.Caps.ProtoHead || w.Config != nil && s.HasHead(*w.Config) != head {
			// The metadata contradicts the tensors: trust the tensors.
			w.Algo, w.Config = "", nil
		}
	}
	return w, nil
}

func validAlgo(a string) bool {
	_, err := algo.Lookup(a)
	return err == nil
}

// copyInto overwrites the fresh parameters p of a run of c (train.InitParams)
// with w's: the backbone, and a head of c.Way classes if w has one (a head
// of another size is an error naming both; weights without a head leave
// p's fresh one, and a note says so). p holds what c's model needs:
// a head only if it learns one. Weights of another network than c's (Conv4
// and conv4s2 share their tensors) are refused, naming both: a run never
// starts one network from the other's weights.
func (w *Weights) copyInto(p *tensor.Set, c modelfile.Config) (string, error) {
	spec, err := algo.Lookup(c.Algo)
	if err != nil {
		return "", err
	}
	have, err := learner.NetNamed(w.Net)
	if err != nil {
		return "", err
	}
	want, err := learner.NetNamed(c.Net)
	if err != nil {
		return "", &protocol.FieldError{Field: "net", Msg: err.Error()}
	}
	if have.Name != want.Name {
		return "", &protocol.FieldError{Field: "net", Msg: fmt.Sprintf("the starting weights are a %s network, not %s: choose %s, or start from scratch", have, want, have)}
	}
	note := ""
	if spec.HasHead(c) {
		switch {
		case w.Way == 0:
			note = "the weights have no head: a fresh " + strconv.Itoa(c.Way) + "-way head starts from random values"
		case w.Way != c.Way:
			return "", &protocol.FieldError{Field: "way", Msg: fmt.Sprintf("the starting weights have a %d-way head: choose N = %d, or start from scratch", w.Way, w.Way)}
		}
	}
	for i := range p.Len() {
		n, t := p.At(i)
		src := w.Params.Get(n)
		if src == nil {
			if n == learner.HeadName+".weight" || n == learner.HeadName+".bias" {
				continue
			}
			return "", fmt.Errorf("the starting weights have no tensor %s", n)
		}
		if !slices.Equal(t.Shape, src.Shape) {
			return "", fmt.Errorf("the starting weights' %s is %s, want %s", n, tensor.ShapeString(src.Shape), tensor.ShapeString(t.Shape))
		}
		t.CopyFrom(src)
	}
	return note, nil
}
