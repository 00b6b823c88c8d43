package nn

// firstWino is block 0 of an inference pass (one input channel, 28×28)
// by Winograd's F(2×2, 3×3), like the other blocks (winograd.go): each
// 2×2 output tile is one pooling window, computed from the 4×4 input tile
// around it as Aᵀ [U ⊙ V] A with U = G g Gᵀ and V = Bᵀ d B. With one input
// channel there is no sum over channels, so no matrix product: V of a
// tile serves all 64 output channels, and each channel costs 16 multiplies
// and 24 additions per pooled output against the 36 multiply-adds of the
// direct form (firstPool). Without fused multiply-add (wasm) that is about
// 40 % fewer operations; with AVX-512 the direct form stays
// (firstWinoUse).
//
// Vectors run over tiles. Pooled output column ox is tile column tx = ox,
// and the next block wants the even columns apart from the odd ones (the
// split layout, split.go): tile 2j goes to O[j] of its row, tile 2j+1 to
// E[j+1]. So the tiles of a tile row are taken as two runs, even and odd,
// each seven tiles, in two vectors of four (tiles 0–3 and 3–6: the
// overlap is computed twice, identically, so that no lane writes outside
// the image). Tile 2j reads padded input columns 4j … 4j+3, tile 2j+1
// columns 4j+2 … 4j+5: each padded row is split into its four phases
// P_r[j] = column 4j+r, and the runs read P0, P1, P2, P3 and P2, P3,
// P0[+1], P1[+1].
type firstWino[T Float] struct {
	e   engine[T]
	vec bool // use firstWinoVec (T is float32 and the CPU has Float32x4)
	u   []T  // 64 × 16: U = G g Gᵀ of each channel, ξ = 4i + j
	fn  func(worker, lo, hi int)

	// Arguments of the call in progress.
	out, x, b []T
	n         int
	osp       splitShape
}

func newFirstWino[T Float](e engine[T]) *firstWino[T] {
	f := &firstWino[T]{e: e, u: make([]T, Filters*16)}
	_, f32 := any(T(0)).(float32)
	f.vec = f32 && haveVec4()
	f.fn = f.samples
	return f
}

// firstTiles is the number of tiles per tile row: 14.
const firstTiles = ImageSize / 2

// firstPhase is the length of one phase of a padded row: 30 columns in
// four phases of 8, plus room.
const firstPhase = 12

// forward reads the n images x (n×28×28) and writes out: ReLU(maxpool(
// conv(x, w)) + b) for w 64×1×3×3, b 64, in the split layout of 14×14
// maps (split.go; the caller has cleared the padding), or channel-major
// (64×n×14×14) if outSplit is false.
func (f *firstWino[T]) forward(out, x, w, b []T, n int, outSplit bool) {
	for co := 0; co < Filters; co++ {
		g := w[co*9:][:9]
		var t [4][3]T // G g
		for j := 0; j < 3; j++ {
			g0, g1, g2 := g[j], g[3+j], g[6+j]
			t[0][j] = g0
			t[1][j] = (g0 + g1 + g2) / 2
			t[2][j] = (g0 - g1 + g2) / 2
			t[3][j] = g2
		}
		u := f.u[co*16:][:16]
		for i := 0; i < 4; i++ {
			r0, r1, r2 := t[i][0], t[i][1], t[i][2]
			u[i*4], u[i*4+1], u[i*4+2], u[i*4+3] = r0, (r0+r1+r2)/2, (r0-r1+r2)/2, r2
		}
	}
	f.out, f.x, f.b, f.n = out, x, b, n
	f.osp = splitShape{}
	if outSplit {
		f.osp = newSplitShape(firstTiles, firstTiles)
	}
	f.e.par.For(n, f.fn)
	f.out, f.x, f.b = nil, nil, nil
}

// firstRuns are the four vectors of tiles of a tile row: the even run's
// tiles 0–3 and 3–6, then the odd run's (tile 2j or 2j+1 for lane j).
var firstRuns = [4]struct{ odd, j0 int }{{0, 0}, {0, 3}, {1, 0}, {1, 3}}

func (f *firstWino[T]) samples(_, lo, hi int) {
	const h = ImageSize
	var ph [4][4][firstPhase]T // padded row i of the tile row, phase r, index j
	var v [4][16][4]T          // V of the 4 runs' lanes
	for s := lo; s < hi; s++ {
		img := f.x[s*h*h:][:h*h]
		for ty := 0; ty < firstTiles; ty++ {
			// Padded rows 2ty … 2ty+3 are image rows 2ty−1 … 2ty+2;
			// padded column c+1 is image column c.
			for i := range ph {
				ph[i] = [4][firstPhase]T{}
				y := 2*ty + i - 1
				if y < 0 || y >= h {
					continue
				}
				row := img[y*h:][:h]
				for c, val := range row {
					ph[i][(c+1)&3][(c+1)>>2] = val
				}
			}
			if f.vec && f.osp.size > 0 {
				firstWinoVec(any(f.out).([]float32), any(&ph).(*[4][4][firstPhase]float32), any(&v).(*[4][16][4]float32), any(f.u).([]float32), any(f.b).([]float32), f.osp.size, s*Filters*f.osp.size+(ty+1)*2*f.osp.q, f.osp.q)
				continue
			}
			f.inputPlain(&v, &ph)
			for co := 0; co < Filters; co++ {
				u := f.u[co*16:][:16]
				for k, run := range firstRuns {
					for l := 0; l < 4; l++ {
						y := winoOut(&v[k], l, u, f.b[co])
						ox := 2*(run.j0+l) + run.odd
						if f.osp.size > 0 {
							f.out[(s*Filters+co)*f.osp.size+f.osp.off(ty, ox)] = y
						} else {
							f.out[((co*f.n+s)*firstTiles+ty)*firstTiles+ox] = y
						}
					}
				}
			}
		}
	}
}

// inputPlain computes V = Bᵀ d B of the four runs' tiles (lane l of run k
// at v[k][ξ][l]) from the phases of the tile row's four padded rows.
func (f *firstWino[T]) inputPlain(v *[4][16][4]T, ph *[4][4][firstPhase]T) {
	for k, run := range firstRuns {
		// Phases and offsets of the tile's four columns.
		cr, cj := [4]int{0, 1, 2, 3}, [4]int{0, 0, 0, 0}
		if run.odd == 1 {
			cr, cj = [4]int{2, 3, 0, 1}, [4]int{0, 0, 1, 1}
		}
		for l := 0; l < 4; l++ {
			j := run.j0 + l
			var e [4][4]T
			for c := 0; c < 4; c++ {
				r, jj := cr[c], j+cj[c]
				d0, d1, d2, d3 := ph[0][r][jj], ph[1][r][jj], ph[2][r][jj], ph[3][r][jj]
				e[0][c], e[1][c], e[2][c], e[3][c] = d0-d2, d1+d2, d2-d1, d1-d3
			}
			for i := 0; i < 4; i++ {
				c0, c1, c2, c3 := e[i][0], e[i][1], e[i][2], e[i][3]
				v[k][4*i][l] = c0 - c2
				v[k][4*i+1][l] = c1 + c2
				v[k][4*i+2][l] = c2 - c1
				v[k][4*i+3][l] = c1 - c3
			}
		}
	}
}

// winoOut returns the pooled output of lane l of a run: M = U ⊙ V, then
// Y = Aᵀ M A (outputTransform's order), the maximum of Y, plus the bias,
// ReLU.
func winoOut[T Float](v *[16][4]T, l int, u []T, bc T) T {
	var m [16]T
	for xi := range m {
		m[xi] = v[xi][l] * u[xi]
	}
	s00 := m[0] + m[4] + m[8]
	s01 := m[1] + m[5] + m[9]
	s02 := m[2] + m[6] + m[10]
	s03 := m[3] + m[7] + m[11]
	s10 := m[4] - m[8] - m[12]
	s11 := m[5] - m[9] - m[13]
	s12 := m[6] - m[10] - m[14]
	s13 := m[7] - m[11] - m[15]
	y00 := s00 + s01 + s02
	y01 := s01 - s02 - s03
	y10 := s10 + s11 + s12
	y11 := s11 - s12 - s13
	return max(max(max(y00, y01), max(y10, y11))+bc, 0)
}
