package nn

// The first block in quarter phases. Block 0's output (14×14, 64
// channels, the largest activation) is block 1's input, which convS2 reads
// in the phase layout; written by the BatchNorm → ReLU pass from an
// ordinary z, that is an interleaving pass of its own (bnReluPhases), and
// block 1's input gradient must be interleaved back (mergePhases). Instead
// block 0 orders its output columns by phase: its z is already in the
// phase layout (c×4×n×7×7), BatchNorm → ReLU is elementwise, and block 1
// hands back its input gradient in phases. For that block 0 reads its
// input (the images, one channel) split into sixteen phases, by row and
// column modulo 4 (toQuads): output (2r+a, 2q+b) of phase a·2+b reads
// input row 4r + 2a + kh − 1, which is row r (or r − 1 for a = 0, kh = 0)
// of the input's row phase (2a + kh − 1) mod 4, and alike for columns, so
// each tap of each output phase is again one block copy per chunk.

// toQuads writes the channel-major batch x (c×n×h×w, h and w multiples
// of 4) into xq as c×16×n×(h/4)×(w/4): entry
// ((ci·16 + ry·4+rx)·n + s)·(h/4)·(w/4) + r·(w/4) + q is x[ci, s, 4r+ry, 4q+rx].
func toQuads[T Float](xq, x []T, c, n, h, w int) {
	hq, wq := h/4, w/4
	for ci := 0; ci < c; ci++ {
		for s := 0; s < n; s++ {
			plane := x[(ci*n+s)*h*w:][:h*w]
			for y := 0; y < h; y++ {
				row := plane[y*w:][:w]
				ry, r := y&3, y>>2
				for x0, v := range row {
					xq[(((ci*16+ry*4+x0&3)*n+s)*hq+r)*wq+x0>>2] = v
				}
			}
		}
	}
}

// im2colS2Quad is im2colS2 for an input in quarter phases (toQuads; h and
// w multiples of 4) and output columns in phase order: column
// (p·(s1−s0) + s−s0)·ho4·wo4 + r·wo4 + q, ho4, wo4 = h/4, w/4, is output
// (2r+a, 2q+b) of sample s, p = a·2+b. Row (ci·3+kh)·3+kw holds
// x[ci, s, 2·oy+kh−1, 2·ox+kw−1] there, or 0 outside the image.
func im2colS2Quad[T Float](col, xq []T, cin, n, h, w, s0, s1 int) {
	wq := w / 4
	ohw := (h / 4) * wq
	seg := (s1 - s0) * ohw
	cols := 4 * seg
	for ci := 0; ci < cin; ci++ {
		for kh := 0; kh < 3; kh++ {
			for kw := 0; kw < 3; kw++ {
				for p := 0; p < 4; p++ {
					a, b := p>>1, p&1
					ry, rx := (2*a+kh+3)&3, (2*b+kw+3)&3
					src := xq[((ci*16+ry*4+rx)*n+s0)*ohw:][:seg]
					dst := col[((ci*3+kh)*3+kw)*cols+p*seg:][:seg]
					up, left := a == 0 && kh == 0, b == 0 && kw == 0
					lo := 0
					if up {
						lo += wq
					}
					if left {
						lo++
					}
					lo = min(lo, seg)
					copy(dst[lo:], src[:seg-lo])
					clear(dst[:lo])
					if up { // row −1 of every plane
						for j := ohw; j < seg; j += ohw {
							clear(dst[j:][:wq])
						}
					}
					if left { // column −1 on every row
						for j := 0; j < seg; j += wq {
							dst[j] = 0
						}
					}
				}
			}
		}
	}
}

// col2imS2Quad is the adjoint of im2colS2Quad with the result in the
// ordinary layout: it sets samples [s0, s1) of dx (cin×n×h×w) to the sum
// of the col entries im2colS2Quad copied from each position. It is a
// direct scatter, not fast: Conv4S2 needs it only when asked for the
// gradient with respect to the images.
func col2imS2Quad[T Float](dx, col []T, cin, n, h, w, s0, s1 int) {
	wq := w / 4
	ohw := (h / 4) * wq
	seg := (s1 - s0) * ohw
	cols := 4 * seg
	for ci := 0; ci < cin; ci++ {
		clear(dx[(ci*n+s0)*h*w : (ci*n+s1)*h*w])
		for t := 0; t < 9; t++ {
			kh, kw := t/3, t%3
			row := col[(ci*9+t)*cols:][:cols]
			for p := 0; p < 4; p++ {
				a, b := p>>1, p&1
				for s := s0; s < s1; s++ {
					plane := dx[(ci*n+s)*h*w:][:h*w]
					src := row[p*seg+(s-s0)*ohw:][:ohw]
					for r := 0; r < h/4; r++ {
						y := 2*(2*r+a) + kh - 1
						if y < 0 || y >= h {
							continue
						}
						for q := 0; q < wq; q++ {
							if x := 2*(2*q+b) + kw - 1; x >= 0 && x < w {
								plane[y*w+x] += src[r*wq+q]
							}
						}
					}
				}
			}
		}
	}
}
