package episode

import (
	"metaglot/core/omniglot"
	"metaglot/core/tensor"
)

// Episode is one N-way K-shot task with Q queries per class.
type Episode struct {
	Way, Shot, Query int

	// Images is (Way·(Shot+Query))×1×28×28, 1 = ink: the Shot support
	// images of each class 0..Way−1, then the Query queries of each class.
	Images *tensor.Tensor
	// Labels[i] is the label (0..Way−1) of image i.
	Labels []int
	// Drawers[i] is the drawer (0..19) of image i.
	Drawers []int
	// Classes[l] is the class labelled l.
	Classes []omniglot.Class
}

// NumSupport returns the number of support images, Way·Shot.
func (e *Episode) NumSupport() int { return e.Way * e.Shot }

// Support returns the support images, a (Way·Shot)×1×28×28 tensor sharing
// e.Images' data.
func (e *Episode) Support() *tensor.Tensor {
	n := e.NumSupport()
	return tensor.FromData(e.Images.Data[:n*imageLen], n, 1, omniglot.ImageSize, omniglot.ImageSize)
}

// Queries returns the query images, a (Way·Query)×1×28×28 tensor sharing
// e.Images' data.
func (e *Episode) Queries() *tensor.Tensor {
	n := e.Way * e.Query
	return tensor.FromData(e.Images.Data[e.NumSupport()*imageLen:], n, 1, omniglot.ImageSize, omniglot.ImageSize)
}

// QueryLabels returns the labels of the queries (a sub-slice of Labels).
func (e *Episode) QueryLabels() []int { return e.Labels[e.NumSupport():] }

// imageLen is the number of values of one image.
const imageLen = omniglot.ImageSize * omniglot.ImageSize
