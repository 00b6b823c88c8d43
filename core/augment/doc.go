// Package augment distorts training images by small random affine maps,
// the data augmentation Koch, Zemel and Salakhutdinov used to train their
// Siamese networks on Omniglot's background set ("Siamese Neural Networks
// for One-shot Image Recognition", ICML Deep Learning Workshop 2015, §4.2,
// "Affine distortions"; Lake et al. 2015 distort their background
// drawings likewise).
//
// # The distortion
//
// Koch et al. draw, per image, T = (θ, ρx, ρy, sx, sy, tx, ty) with
//
//	θ ∈ [−10°, 10°]        rotation
//	ρx, ρy ∈ [−0.3, 0.3]   shear
//	sx, sy ∈ [0.8, 1.2]    scale
//	tx, ty ∈ [−2, 2]       translation, in pixels of their 105×105 images
//
// each component uniform in its range and included with probability 0.5
// (left at its identity value otherwise). Draw does the same with every
// range scaled by a strength (1: Koch's ranges) and the translation
// scaled to the image: ±2·size/105 pixels, ±0.53 px on metaglot's 28×28
// images.
//
// An Affine maps a point p of the source image, in pixel coordinates
// about the image centre c (x to the right, y down), to
//
//	p' = R(θ)·H(ρx, ρy)·S(sx, sy)·(p − c) + c + t
//
//	R(θ) = [cos θ  sin θ; −sin θ  cos θ]   (a positive θ turns the picture counter-clockwise, as episode.Rotate)
//	H    = [1  ρx; ρy  1]
//	S    = [sx  0; 0  sy]
//
// Warp fills every output pixel by mapping it back (the inverse map) and
// interpolating the source bilinearly, with paper (0) outside the image.
// The identity copies the image exactly, and so does a turn by a
// multiple of 90° about the centre (up to rounding of cos and sin).
//
// # Where it applies
//
// core/train distorts the images of training episodes (the setting
// augment, the strength), each step from its own stream of the run's seed,
// so a resumed run distorts exactly as an uninterrupted one; held-out
// validation and evaluation (metaglot eval) never see a distorted image.
package augment
