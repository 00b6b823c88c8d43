package protonet

import (
	"fmt"
	"math"

	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// Metrics is what one episode's loss reports.
type Metrics struct {
	// Loss is the mean negative log-probability of the queries' classes.
	Loss float64
	// Acc is the fraction of queries whose nearest prototype is their
	// class's.
	Acc float64
}

// Scratch is the working memory of Loss, reused between calls so that a
// training step allocates nothing. The zero value is ready to use; a
// Scratch is not safe for concurrent use.
type Scratch[T nn.Float] struct {
	proto, dist, dlogit, dproto []T
	labels                      []int
}

func grow[E any](buf []E, n int) []E {
	if cap(buf) < n {
		return make([]E, n)
	}
	return buf[:n]
}

// Loss computes the Prototypical Networks loss of one episode from the
// embeddings of its images and, if dEmb is not nil, writes its gradient
// with respect to every embedding into dEmb (same shape, overwritten).
//
// emb is (way·shot + way·query)×D, rows ordered class-major: first the
// support, row c·shot+k for shot k of class c, then the queries, row
// way·shot + c·query + q for query q of class c. s may be nil (Loss then
// allocates its working memory). It returns an error if emb's shape does not
// match way, shot and query, dEmb's differs from emb's, or emb or the loss
// is not finite.
func Loss(s *Scratch[float32], emb *tensor.Tensor, way, shot, query int, dEmb *tensor.Tensor) (Metrics, error) {
	if emb == nil || len(emb.Shape) != 2 {
		return Metrics{}, fmt.Errorf("protonet: embeddings must be a matrix, got shape %v", shapeOf(emb))
	}
	var d []float32
	if dEmb != nil {
		if !tensor.SameShape(dEmb.Shape, emb.Shape) {
			return Metrics{}, fmt.Errorf("protonet: embedding gradient has shape %v, want %v", tensor.ShapeString(dEmb.Shape), tensor.ShapeString(emb.Shape))
		}
		d = dEmb.Data
	}
	if err := emb.CheckFinite("protonet embeddings"); err != nil {
		return Metrics{}, err
	}
	if s == nil {
		s = &Scratch[float32]{}
	}
	return LossOf(s, emb.Data, emb.Shape[0], emb.Shape[1], way, shot, query, d)
}

// LossOf is Loss on a plain n×dim slice, for any float type (the gradient
// checks run it in float64).
func LossOf[T nn.Float](s *Scratch[T], emb []T, n, dim, way, shot, query int, dEmb []T) (Metrics, error) {
	ns, nq := way*shot, way*query
	if way < 2 || shot < 1 || query < 1 || n != ns+nq || len(emb) != n*dim || dim < 1 {
		return Metrics{}, fmt.Errorf("protonet: %d×%d embeddings for a %d-way %d-shot %d-query episode (want %d rows, way ≥ 2, shot and query ≥ 1)",
			n, dim, way, shot, query, ns+nq)
	}
	support, queries := emb[:ns*dim], emb[ns*dim:] // (way·shot)×D, (way·query)×D
	s.proto = grow(s.proto, way*dim)               // way×D
	s.dist = grow(s.dist, nq*way)                  // (way·query)×way
	s.dlogit = grow(s.dlogit, nq*way)
	s.labels = grow(s.labels, nq)

	// Prototypes: the mean of each class's support embeddings.
	clear(s.proto)
	for i := 0; i < ns; i++ {
		c := i / shot
		for k, v := range support[i*dim : (i+1)*dim] {
			s.proto[c*dim+k] += v / T(shot)
		}
	}
	// Logits: minus the squared distance of each query to each prototype.
	nn.SqDistances(s.dist, queries, s.proto, nq, way, dim)
	for i := range s.dist {
		s.dist[i] = -s.dist[i]
	}
	for q := range s.labels {
		s.labels[q] = q / query
	}
	var dl []T
	if dEmb != nil {
		dl = s.dlogit
	}
	loss, acc, err := nn.CrossEntropy(dl, s.dist, s.labels, nq, way)
	if err != nil {
		return Metrics{}, fmt.Errorf("protonet: %w", err)
	}
	m := Metrics{Loss: loss, Acc: acc}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return m, fmt.Errorf("protonet: loss is %v", loss)
	}
	if dEmb == nil {
		return m, nil
	}

	// Backward: logits = −distances, prototypes = class means.
	for i := range s.dlogit {
		s.dlogit[i] = -s.dlogit[i]
	}
	s.dproto = grow(s.dproto, way*dim)
	nn.SqDistancesBackward(dEmb[ns*dim:n*dim], s.dproto, s.dlogit, queries, s.proto, nq, way, dim)
	for i := 0; i < ns; i++ {
		c := i / shot
		for k := range dim {
			dEmb[i*dim+k] = s.dproto[c*dim+k] / T(shot)
		}
	}
	return m, nil
}

func shapeOf(t *tensor.Tensor) string {
	if t == nil {
		return "nil"
	}
	return tensor.ShapeString(t.Shape)
}
