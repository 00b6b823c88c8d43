package nn

import "math"

// firstPool is block 0 of an inference pass (one input channel, 28×28):
// the 3×3 convolution with the folded weights, bias, ReLU and 2×2 max-pool,
// computed directly rather than by im2col and a matrix product. With one
// input channel the product has k = 9, far too short for a matrix kernel
// to pay for its packing and its stores (under wasm this block took as
// long as the other three), while the direct form reads each input row
// once per output channel from a small buffer.
//
// Pooling wants the even and odd output columns apart, so each zero-padded
// input row is split into its even and odd columns: output column 2j reads
// padded columns 2j, 2j+1, 2j+2 = even[j], odd[j], even[j+1]; column 2j+1
// reads odd[j], even[j+1], odd[j+1]. Both are then contiguous runs over j,
// so the Float32x4 twin (firstRowVec, vec_simd.go) computes four pooled
// outputs at once.
type firstPool[T Float] struct {
	e   engine[T]
	vec bool // use firstRowVec (T is float32 and the CPU has Float32x4)
	v16 bool // use firstRow16 (T is float32 and the CPU has AVX-512)
	// use says that Conv4Of should take this path: with AVX-512, or with
	// Float32x4 where that measured faster than im2col (firstDirect: under
	// wasm 42 against 104 ms for 100 images, BenchmarkInferenceBlock;
	// natively with Float32x4 7.8 against 4.4 ms).
	use bool
	fn  func(worker, lo, hi int)

	// Arguments of the call in progress; osp is the output's split shape
	// (size 0: channel-major output).
	out, x, w, b []T
	n            int
	osp          splitShape
}

func newFirstPool[T Float](e engine[T]) *firstPool[T] {
	f := &firstPool[T]{e: e}
	_, f32 := any(T(0)).(float32)
	f.vec = f32 && haveVec4()
	f.v16 = f32 && haveFirst16()
	f.use = f.v16 || f.vec && firstDirect()
	f.fn = f.samples
	return f
}

// forward reads the n images x (n×28×28) and writes out (64×n×14×14,
// channel-major; with outSplit the split layout of split.go, whose padding
// the caller has cleared): ReLU(maxpool(conv(x, w)) + b) for w 64×1×3×3,
// b 64.
func (f *firstPool[T]) forward(out, x, w, b []T, n int, outSplit bool) {
	f.out, f.x, f.w, f.b, f.n = out, x, w, b, n
	f.osp = splitShape{}
	if outSplit {
		f.osp = newSplitShape(ImageSize/2, ImageSize/2)
	}
	f.e.par.For(n, f.fn)
	f.out, f.x, f.w, f.b = nil, nil, nil, nil
}

// firstHalf is the length of a split padded row: 15 even (or odd) columns
// of the 30 padded ones, plus room for a 4-lane load past the end.
const firstHalf = 20

func (f *firstPool[T]) samples(_, lo, hi int) {
	const h, ho = ImageSize, ImageSize / 2
	var ev, od [4][firstHalf]T
	for s := lo; s < hi; s++ {
		img := f.x[s*h*h:][:h*h]
		for oy := 0; oy < ho; oy++ {
			// Local row i is padded row 2oy+i, image row 2oy+i−1.
			for i := 0; i < 4; i++ {
				ev[i], od[i] = [firstHalf]T{}, [firstHalf]T{}
				y := 2*oy + i - 1
				if y < 0 || y >= h {
					continue
				}
				row := img[y*h:][:h]
				for c := 0; c < h; c += 2 { // padded columns c+1 (odd), c+2 (even)
					od[i][c/2] = row[c]
					ev[i][c/2+1] = row[c+1]
				}
			}
			if f.v16 && f.osp.size > 0 {
				firstRows16(any(f.out).([]float32), s*Filters*f.osp.size+(oy+1)*2*f.osp.q, f.osp.size, f.osp.q, any(&ev).(*[4][firstHalf]float32), any(&od).(*[4][firstHalf]float32), any(f.w).([]float32), any(f.b).([]float32))
				continue
			}
			for co := 0; co < Filters; co++ {
				wk := f.w[co*9:][:9]
				var row [ho]T
				dst := row[:]
				if f.osp.size == 0 {
					dst = f.out[(co*f.n+s)*ho*ho+oy*ho:][:ho]
				}
				switch {
				case f.v16:
					firstRow16(any(dst).([]float32), any(&ev).(*[4][firstHalf]float32), any(&od).(*[4][firstHalf]float32), any(wk).([]float32), any(f.b[co]).(float32))
				case f.vec:
					firstRowVec(any(dst).([]float32), any(ev[:]).([][firstHalf]float32), any(od[:]).([][firstHalf]float32), any(wk).([]float32), any(f.b[co]).(float32))
				default:
					f.plainRow(dst, &ev, &od, wk, f.b[co])
				}
				if f.osp.size > 0 {
					putRow(f.osp, f.out[(s*Filters+co)*f.osp.size:], oy, dst)
				}
			}
		}
	}
}

// plainRow is firstRowVec in plain Go: the pooled row dst of one output
// channel from the split padded rows ev, od and the channel's weights wk.
func (f *firstPool[T]) plainRow(dst []T, ev, od *[4][firstHalf]T, wk []T, bc T) {
	for j := range dst {
		m := T(math.Inf(-1))
		for r := 0; r < 2; r++ {
			var e, o T
			for dy := 0; dy < 3; dy++ {
				E, O := &ev[r+dy], &od[r+dy]
				w0, w1, w2 := wk[dy*3], wk[dy*3+1], wk[dy*3+2]
				e += w0*E[j] + w1*O[j] + w2*E[j+1]
				o += w0*O[j] + w1*E[j+1] + w2*O[j+1]
			}
			m = max(m, e, o)
		}
		dst[j] = max(m+bc, 0)
	}
}
