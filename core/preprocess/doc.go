// Package preprocess turns an ink image of any size into the 28×28 input of
// metaglot's networks. It is the one preprocessing path of the project: the
// asset builder (cmd/mkassets) uses it to shrink Omniglot's 105×105 drawings,
// the browser canvas uses it on the raster of a drawing, and
// "metaglot classify" uses it on PNG files.
//
// # Convention
//
// An ink image is a row-major []float32 of w×h values in [0, 1], where 1 is
// ink and 0 is paper — the way the Prototypical Networks reference code
// (Snell et al. 2017) feeds Omniglot to its network (1 − pixel of a
// black-on-white image). The output is 28×28 in the same convention, row 0
// at the top.
//
// # Steps
//
//  1. A non-square image is padded with paper to a square, centred: an image
//     w wide and h high (w > h) gets (w−h)/2 rows of paper above (rounded
//     down) and the rest below; likewise columns left and right when h > w.
//     The drawing keeps its aspect ratio.
//  2. The square is resized to 28×28 with github.com/nfnt/resize, filter
//     Bicubic, at 16 bits per pixel.
//
// # Why that filter
//
// Downsampling 105 → 28 must average: point sampling keeps one pixel in 14
// and lets thin strokes vanish or break. nfnt/resize widens its kernels by
// the scale factor when it shrinks, so all its filters average; they differ
// in how closely they follow the ideal, the exact fraction of each output
// pixel's area covered by ink. Over the first 2000 drawings of the
// evaluation set (a one-off comparison program, not part of the repo):
//
//	filter         RMSE to exact area   |ink mass error|   mean greyness
//	NearestNeighbor   0.022               2.1%               0.56
//	Bilinear          0.027               0.1%               0.60
//	Bicubic           0.011               2.7%               0.55
//	MitchellNetravali 0.024               1.1%               0.60
//	Lanczos2          0.011               2.7%               0.55
//	Lanczos3          0.014               4.5%               0.51
//
// (greyness is the mean of 4v(1−v) over inked pixels: lower is crisper).
// Bicubic is the closest to exact area coverage and keeps pen strokes crisp;
// Bilinear preserves ink mass best but smears a 3-pixel stroke into a faint
// band; the box of NearestNeighbor aliases. Bicubic's small mass excess comes
// from its negative lobes, clipped at 0. Side by side at 28×28 the
// characters look alike under every filter, so the choice matters less than
// using one path everywhere.
//
// # Images
//
// FromImage accepts any image.Image: black ink on white paper, white ink on
// black, or strokes on a transparent background. It decides which from the
// pixels of the image's border (see FromImage) and then takes the same path.
package preprocess
