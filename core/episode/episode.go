package episode

import "metaglot/core/tensor"

// Episode is one N-way K-shot task with Q queries per class.
type Episode struct {
	Way, Shot, Query int

	// Images is (Way·(Shot+Query))×C×H×W, C×H×W the dataset's image shape
	// (Omniglot: 1×28×28, 1 = ink): the Shot support images of each class
	// 0..Way−1, then the Query queries of each class.
	Images *tensor.Tensor
	// Labels[i] is the label (0..Way−1) of image i.
	Labels []int
	// Drawers[i] is the item of its class (0..ItemsPerClass−1) image i is;
	// for Omniglot, the drawer (0..19).
	Drawers []int
	// Classes[l] is the class labelled l.
	Classes []Class
}

// NumSupport returns the number of support images, Way·Shot.
func (e *Episode) NumSupport() int { return e.Way * e.Shot }

// ImageShape returns the shape of one image, [C H W]: Images.Shape[1:].
func (e *Episode) ImageShape() [3]int {
	s := e.Images.Shape
	return [3]int{s[1], s[2], s[3]}
}

// Support returns the support images, a (Way·Shot)×C×H×W tensor sharing
// e.Images' data.
func (e *Episode) Support() *tensor.Tensor {
	return e.images(0, e.NumSupport())
}

// Queries returns the query images, a (Way·Query)×C×H×W tensor sharing
// e.Images' data.
func (e *Episode) Queries() *tensor.Tensor {
	return e.images(e.NumSupport(), e.Way*e.Query)
}

// images returns images [from, from+n) of e, sharing its data.
func (e *Episode) images(from, n int) *tensor.Tensor {
	s := e.ImageShape()
	size := s[0] * s[1] * s[2]
	return tensor.FromData(e.Images.Data[from*size:(from+n)*size], n, s[0], s[1], s[2])
}

// QueryLabels returns the labels of the queries (a sub-slice of Labels).
func (e *Episode) QueryLabels() []int { return e.Labels[e.NumSupport():] }
