package learn

import (
	"errors"
	"fmt"
	"math"

	"metaglot/core/nn"
	"metaglot/core/tensor"
	"metaglot/wasm/classify"
)

// Kind says what a point of the metric view is.
type Kind int

// Kinds of points.
const (
	SupportPoint   Kind = iota // a support image's embedding
	PrototypePoint             // a class's prototype: the mean of its support embeddings
	QueryPoint                 // the query's embedding
)

// Point is an embedding on the view's two principal components.
type Point struct {
	X, Y  float64
	Kind  Kind
	Class int // the task's class; −1 for the query
}

// MetricView is ProtoNet's decision on one query, laid out for the
// Learn view.
type MetricView struct {
	// Points: the support embeddings (class by class), the prototypes (one
	// per class), then the query, projected onto the first two principal
	// components of all of them.
	Points []Point
	// Explained is the fraction of the variance the two components show.
	Explained float64
	// Dist2 has the squared Euclidean distance from the query's embedding
	// to each prototype (in the full 64-dimensional space, not the
	// picture's 2-D), Probs the softmax of their negatives, Best the
	// nearest class.
	Dist2 []float64
	Probs []float64
	Best  int
}

// Metric embeds the task's support set and query with emb (ProtoNet's
// Conv4 in inference mode, as the page's classifier) and returns the
// prototypes, distances and probabilities ProtoNet computes, with the
// picture's 2-D projection.
func Metric(emb classify.Embedder, support [][][]float32, query []float32) (MetricView, error) {
	var imgs []float32
	for c, ex := range support {
		if len(ex) == 0 {
			return MetricView{}, fmt.Errorf("learn: class %d has no support image", c)
		}
		for _, img := range ex {
			imgs = append(imgs, img...)
		}
	}
	if len(support) == 0 {
		return MetricView{}, errors.New("learn: no classes")
	}
	imgs = append(imgs, query...)
	const side = nn.ImageSize
	if len(imgs)%(side*side) != 0 {
		return MetricView{}, errors.New("learn: an image is not 28×28")
	}
	n := len(imgs) / (side * side)
	e, err := emb.Embed(tensor.FromData(imgs, n, 1, side, side))
	if err != nil {
		return MetricView{}, fmt.Errorf("learn: embedding: %w", err)
	}
	d := e.Shape[1]
	row := func(i int) []float64 {
		out := make([]float64, d)
		for j := range d {
			out[j] = float64(e.Data[i*d+j])
		}
		return out
	}
	var v MetricView
	var rows [][]float64
	var kinds []Point
	protos := make([][]float64, len(support))
	i := 0
	for c, ex := range support {
		protos[c] = make([]float64, d)
		for range ex {
			r := row(i)
			i++
			for j := range d {
				protos[c][j] += r[j] / float64(len(ex))
			}
			rows = append(rows, r)
			kinds = append(kinds, Point{Kind: SupportPoint, Class: c})
		}
	}
	for c, p := range protos {
		rows = append(rows, p)
		kinds = append(kinds, Point{Kind: PrototypePoint, Class: c})
	}
	q := row(i)
	rows = append(rows, q)
	kinds = append(kinds, Point{Kind: QueryPoint, Class: -1})

	v.Dist2 = make([]float64, len(protos))
	v.Probs = make([]float64, len(protos))
	for c, p := range protos {
		for j := range d {
			diff := q[j] - p[j]
			v.Dist2[c] += diff * diff
		}
		if v.Dist2[c] < v.Dist2[v.Best] {
			v.Best = c
		}
	}
	var sum float64
	for c := range v.Probs {
		v.Probs[c] = math.Exp(v.Dist2[v.Best] - v.Dist2[c])
		sum += v.Probs[c]
	}
	for c := range v.Probs {
		v.Probs[c] /= sum
	}

	xy, explained := PCA2(rows)
	v.Explained = explained
	for k, p := range kinds {
		p.X, p.Y = xy[k][0], xy[k][1]
		v.Points = append(v.Points, p)
	}
	return v, nil
}

// PCA2 projects the rows (points of equal dimension) onto their first two
// principal components, after centring, and returns the coordinates and
// the fraction of the variance the two hold. The components come from
// power iteration on the covariance matrix with deflation, each signed so
// that its largest entry is positive (the picture does not flip from one
// query to the next). Fewer than two distinct points give zeros.
func PCA2(rows [][]float64) (xy [][2]float64, explained float64) {
	xy = make([][2]float64, len(rows))
	if len(rows) < 2 {
		return xy, 0
	}
	d := len(rows[0])
	mean := make([]float64, d)
	for _, r := range rows {
		for j, x := range r {
			mean[j] += x / float64(len(rows))
		}
	}
	cov := make([]float64, d*d)
	for _, r := range rows {
		for a := range d {
			ca := r[a] - mean[a]
			for b := range d {
				cov[a*d+b] += ca * (r[b] - mean[b])
			}
		}
	}
	var trace float64
	for a := range d {
		trace += cov[a*d+a]
	}
	if trace <= 0 {
		return xy, 0
	}
	var vecs [2][]float64
	var vals [2]float64
	for k := range 2 {
		v := make([]float64, d)
		for j := range v {
			v[j] = 1 / math.Sqrt(float64(d)) * (1 + float64(j%7)*0.01) // not orthogonal to any component in practice
		}
		w := make([]float64, d)
		var lambda float64
		for range 500 {
			for a := range d {
				var s float64
				for b := range d {
					s += cov[a*d+b] * v[b]
				}
				w[a] = s
			}
			norm := 0.0
			for _, x := range w {
				norm += x * x
			}
			norm = math.Sqrt(norm)
			if norm == 0 {
				break
			}
			delta := 0.0
			for j := range v {
				x := w[j] / norm
				delta += (x - v[j]) * (x - v[j])
				v[j] = x
			}
			lambda = norm
			if delta < 1e-20 {
				break
			}
		}
		big := 0
		for j := range v {
			if math.Abs(v[j]) > math.Abs(v[big]) {
				big = j
			}
		}
		if v[big] < 0 {
			for j := range v {
				v[j] = -v[j]
			}
		}
		vecs[k], vals[k] = v, lambda
		// Deflate: remove this component from the covariance.
		for a := range d {
			for b := range d {
				cov[a*d+b] -= lambda * v[a] * v[b]
			}
		}
	}
	for i, r := range rows {
		for k := range 2 {
			var s float64
			for j := range d {
				s += (r[j] - mean[j]) * vecs[k][j]
			}
			xy[i][k] = s
		}
	}
	return xy, math.Min(1, (vals[0]+vals[1])/trace)
}
