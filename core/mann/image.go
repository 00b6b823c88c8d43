package mann

// imageSize is the side of metaglot's images (learner.Task: 1×28×28).
const imageSize = 28

// poolBins returns, for an adaptive average pooling from in to out
// values, the first and one-past-last input index of each output bin:
// [⌊i·in/out⌋, ⌈(i+1)·in/out⌉), PyTorch's adaptive_avg_pool2d (and
// F.interpolate(mode="area")). For 28 → 20 the bins hold 2 or 3 pixels
// and overlap where 28/20 is not whole.
func poolBins(in, out int) (lo, hi []int) {
	lo, hi = make([]int, out), make([]int, out)
	for i := range out {
		lo[i] = i * in / out
		hi[i] = ((i+1)*in + out - 1) / out
	}
	return lo, hi
}

// downscaler turns a 28×28 image into the side×side input of the
// controller.
type downscaler struct {
	side   int
	lo, hi []int
}

func newDownscaler(side int) downscaler {
	lo, hi := poolBins(imageSize, side)
	return downscaler{side: side, lo: lo, hi: hi}
}

// into writes the pooled img (28×28) into dst (side×side); with side 28 it
// copies.
func downscale[T Float](d *downscaler, dst []T, img []float32) {
	if d.side == imageSize {
		for i, v := range img[:imageSize*imageSize] {
			dst[i] = T(v)
		}
		return
	}
	for oy := 0; oy < d.side; oy++ {
		for ox := 0; ox < d.side; ox++ {
			var s float64
			for y := d.lo[oy]; y < d.hi[oy]; y++ {
				for x := d.lo[ox]; x < d.hi[ox]; x++ {
					s += float64(img[y*imageSize+x])
				}
			}
			dst[oy*d.side+ox] = T(s / float64((d.hi[oy]-d.lo[oy])*(d.hi[ox]-d.lo[ox])))
		}
	}
}
