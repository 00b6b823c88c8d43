// Package tensor holds the two data types every other package of metaglot's
// core speaks: Tensor, a dense float32 array with a shape, and Set, an
// ordered collection of named tensors.
//
// # Layout
//
// Tensors are row-major (C order). Images are NCHW: batch, channels, height,
// width, so element (n, c, h, w) of an N×C×H×W tensor sits at
// ((n*C+c)*H+h)*W+w. This is the layout of PyTorch's default tensors, which
// lets weights move between metaglot and PyTorch unchanged.
//
// # Sets
//
// A network's parameters, its gradients, an optimizer's moments and a
// checkpoint are all Sets. Names follow PyTorch's state_dict, e.g.
// "encoder.0.0.weight" for the first convolution's kernel. A Set keeps the
// order in which names were added, so iterating it is deterministic.
//
// # Errors
//
// Programmer errors (a negative dimension, adding a name twice) panic with a
// message prefixed "tensor: ". Problems with data that comes from outside
// (a checkpoint whose shapes do not match, a NaN in a gradient) are returned
// as errors naming the tensor and the shapes involved.
package tensor
