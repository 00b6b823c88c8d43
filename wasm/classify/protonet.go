package classify

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"unsafe"

	"metaglot/core/learner"
	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// ImageLen is the length of a 28×28 image.
const ImageLen = nn.ImageSize * nn.ImageSize

// Embedder maps images, N×1×28×28, to embeddings, N×D. The returned tensor
// may be reused by the next call.
type Embedder interface {
	Embed(x *tensor.Tensor) (*tensor.Tensor, error)
}

// Backbone embeds with one of metaglot's networks (learner.Net: the
// max-pooling Conv4 or the stride-2 conv4s2) in inference mode.
type Backbone struct {
	net    learner.Backbone
	kind   learner.Net
	params *tensor.Set
}

// NewConv4 returns an Embedder running nn.Conv4 with params (named as by
// nn.Conv4Names) on one thread.
func NewConv4(params *tensor.Set) *Backbone { return NewBackbone(learner.Conv4, params) }

// NewBackbone returns an Embedder running the network net (learner.Conv4,
// or learner.Conv4S2) with params (nn.NewConv4Params's names and shapes,
// which both networks take) on one thread. Use NetOf to learn a weights
// file's network from its metadata: the tensors alone do not tell.
func NewBackbone(net learner.Net, params *tensor.Set) *Backbone {
	return &Backbone{net: net.New(nn.Serial{}), kind: net, params: params}
}

// Net returns the network b runs.
func (b *Backbone) Net() learner.Net { return b.kind }

// Embed implements Embedder with the network's inference path (for
// Conv4: BatchNorm (running statistics) folded into the convolutions,
// Winograd blocks; the same embeddings as Forward(params, x, false) up to
// float rounding, about twice as fast). The embeddings are N×Dim: 64 for
// Conv4, 256 for conv4s2.
func (b *Backbone) Embed(x *tensor.Tensor) (*tensor.Tensor, error) {
	return b.net.Embed(b.params, x)
}

// NetOf returns the network a weights file's metadata names (the "net" of
// its JSON "config"; learner.Conv4 when it names none, as every file from
// before conv4s2 and a plain PyTorch state_dict), or a one-line error
// naming a network the page cannot run or a config it cannot read.
func NetOf(meta map[string]string) (learner.Net, error) {
	var cfg struct {
		Net string `json:"net"`
	}
	if c := meta["config"]; c != "" {
		if err := json.Unmarshal([]byte(c), &cfg); err != nil {
			return learner.Net{}, fmt.Errorf("config metadata: %v", err)
		}
	}
	net, err := learner.NetNamed(cfg.Net)
	if err != nil {
		return learner.Net{}, fmt.Errorf("the page cannot run these weights: %w", err)
	}
	return net, nil
}

// Errors Classify returns when there is nothing to classify; the page shows
// them as hints.
var (
	ErrNoClasses  = errors.New("add a class with at least one example first")
	ErrEmptyQuery = errors.New("draw a query first")
)

// Result is the outcome of one classification.
type Result struct {
	// Probs has one probability per class, summing to 1 over the classes
	// with examples; NaN for a class without examples.
	Probs []float64
	// Best is the index of the most probable class.
	Best int
	// Before, for a fine-tuning classifier (FineTuner), has the
	// probabilities of the same query under the meta-learned weights before
	// any fine-tuning step, laid out as Probs; nil otherwise.
	Before []float64
}

// ProtoNet classifies with prototypes. It is not safe for concurrent use.
type ProtoNet struct {
	emb   Embedder
	cache map[uint64][]float32
	// Reference, if set, is the fallback of Familiarity: sorted squared
	// distances of drawings to their class's prototype measured on
	// Omniglot with this network (OmniglotReference for the bundled one).
	Reference []float64

	batch []float32
	// lastQuery and lastEmb: the last query embedded, which Familiarity
	// reuses after Classify.
	lastQuery uint64
	lastEmb   []float32
}

// embedQuery embeds a query, kept apart from the support's cache: the
// last one is remembered.
func (p *ProtoNet) embedQuery(q []float32) ([]float32, error) {
	k := key(q)
	if p.lastEmb != nil && k == p.lastQuery {
		return p.lastEmb, nil
	}
	e, err := p.embed([][]float32{q}, false)
	if err != nil {
		return nil, err
	}
	p.lastQuery, p.lastEmb = k, e[0]
	return e[0], nil
}

// NewProtoNet returns a ProtoNet embedding with emb.
func NewProtoNet(emb Embedder) *ProtoNet {
	return &ProtoNet{emb: emb, cache: map[uint64][]float32{}}
}

// key hashes an image's bytes.
func key(img []float32) uint64 {
	h := fnv.New64a()
	h.Write(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(img))), len(img)*4))
	return h.Sum64()
}

// embed returns the embeddings of imgs, from the cache where it can.
func (p *ProtoNet) embed(imgs [][]float32, useCache bool) ([][]float32, error) {
	out := make([][]float32, len(imgs))
	var todo []int
	for i, img := range imgs {
		if len(img) != ImageLen {
			return nil, fmt.Errorf("classify: image %d has %d values, want %d", i, len(img), ImageLen)
		}
		if e, ok := p.cache[key(img)]; ok && useCache {
			out[i] = e
			continue
		}
		todo = append(todo, i)
	}
	if len(todo) == 0 {
		return out, nil
	}
	p.batch = p.batch[:0]
	for _, i := range todo {
		p.batch = append(p.batch, imgs[i]...)
	}
	x := tensor.FromData(p.batch, len(todo), 1, nn.ImageSize, nn.ImageSize)
	e, err := p.emb.Embed(x)
	if err != nil {
		return nil, fmt.Errorf("classify: embedding: %w", err)
	}
	d := e.Shape[1]
	for j, i := range todo {
		v := append([]float32(nil), e.Data[j*d:(j+1)*d]...)
		out[i] = v
		if useCache {
			p.cache[key(imgs[i])] = v
		}
	}
	return out, nil
}

// Warm embeds up to max of the images not yet in the cache, so that a
// later Classify with them as support embeds only its query. It returns
// how many images are still to embed (0 when all are cached). The page
// calls it once per frame while the classes change, which keeps every
// frame short.
func (p *ProtoNet) Warm(images [][]float32, max int) (int, error) {
	var todo [][]float32
	seen := map[uint64]bool{}
	left := 0
	for _, img := range images {
		if len(img) != ImageLen {
			return 0, fmt.Errorf("classify: image has %d values, want %d", len(img), ImageLen)
		}
		k := key(img)
		if _, ok := p.cache[k]; ok || seen[k] {
			continue
		}
		seen[k] = true
		if len(todo) < max {
			todo = append(todo, img)
		} else {
			left++
		}
	}
	if len(todo) > 0 {
		if _, err := p.embed(todo, true); err != nil {
			return 0, err
		}
	}
	return left, nil
}

// Forget empties the embedding cache (for new weights).
func (p *ProtoNet) Forget() { clear(p.cache); p.lastEmb = nil }

// Classify returns the probabilities of query (28×28 ink) under the
// classes support[c], each a list of 28×28 ink images. A class without
// examples gets NaN. It returns ErrNoClasses if no class has an example,
// ErrEmptyQuery if the query has no ink, and an error if an image has the
// wrong length or the network fails.
func (p *ProtoNet) Classify(support [][][]float32, query []float32) (Result, error) {
	var flat [][]float32
	for _, c := range support {
		flat = append(flat, c...)
	}
	if len(flat) == 0 {
		return Result{}, ErrNoClasses
	}
	if !hasInk(query) {
		return Result{}, ErrEmptyQuery
	}
	if len(p.cache) > 4096 { // bound memory: far more than 20×20 examples
		p.Forget()
	}
	embs, err := p.embed(flat, true)
	if err != nil {
		return Result{}, err
	}
	qe, err := p.embedQuery(query)
	if err != nil {
		return Result{}, err
	}
	q := [][]float32{qe}
	res := Result{Probs: make([]float64, len(support)), Best: -1}
	logits := make([]float64, len(support))
	k := 0
	for c, ex := range support {
		if len(ex) == 0 {
			res.Probs[c] = math.NaN()
			continue
		}
		proto := make([]float64, len(q[0]))
		for _, e := range embs[k : k+len(ex)] {
			for i, v := range e {
				proto[i] += float64(v)
			}
		}
		k += len(ex)
		var d float64
		for i, v := range q[0] {
			diff := float64(v) - proto[i]/float64(len(ex))
			d += diff * diff
		}
		logits[c] = -d
		if res.Best < 0 || logits[c] > logits[res.Best] {
			res.Best = c
		}
	}
	var sum float64
	for c := range support {
		if len(support[c]) > 0 {
			res.Probs[c] = math.Exp(logits[c] - logits[res.Best])
			sum += res.Probs[c]
		}
	}
	for c := range support {
		if len(support[c]) > 0 {
			res.Probs[c] /= sum
		}
	}
	return res, nil
}

func hasInk(img []float32) bool {
	for _, v := range img {
		if v > 0.05 {
			return true
		}
	}
	return false
}
