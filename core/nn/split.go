package nn

// The split layout of an inference block's input.
//
// Winograd's input transform (winograd.go) reads, for tile tx of a tile
// row, the padded columns 2tx … 2tx+3 of four padded rows: columns two
// apart from one tile to the next. Stored as they are (one image row
// after another), those are stride-2 reads that a vector unit can only
// gather with shuffles. In the split layout the blocks of Embed hand each
// other their maps already zero-padded, with each padded row stored as its
// even columns followed by its odd ones:
//
//	padded row r (image row r−1), of width 2q, q = w/2 + 1:
//	  E[j] = padded column 2j   (image column 2j−1), j < q
//	  O[j] = padded column 2j+1 (image column 2j),   j < q
//
// so tile tx reads E[tx], O[tx], E[tx+1], O[tx+1] of each row, and the
// tiles of a tile row read four contiguous runs of each row: a vector
// holds consecutive tiles, with no shuffle. A map has 2·(h/2)+2 padded
// rows (the rows the tiles read; for odd h the last image row is the last
// padded row) and the map of channel c of sample s lies at (s·C+c)·size
// (C channels): sample after sample, so that what a block of tiles reads,
// every channel of one or two samples, is one contiguous stretch of memory
// (channel-major maps, 64 streams 100 maps apart, measured slower).
// The padding is zero: the producer (the block before) writes only image
// positions into a buffer cleared when it was laid out.
type splitShape struct {
	h, w int // image size of a map
	q    int // values per half row: w/2 + 1
	rows int // padded rows: 2·(h/2) + 2
	size int // values per map: rows · 2q
}

// splitSlack is how many values past the last map a split buffer keeps:
// the vector input transform loads up to eight lanes past a run of tiles
// (values it never uses).
const splitSlack = 16

func newSplitShape(h, w int) splitShape {
	q := w/2 + 1
	rows := 2*(h/2) + 2
	return splitShape{h: h, w: w, q: q, rows: rows, size: rows * 2 * q}
}

// len returns the length of a split buffer of c·n maps, slack included.
func (sp splitShape) len(maps int) int { return maps*sp.size + splitSlack }

// off returns the offset of image position (y, x) in a map.
func (sp splitShape) off(y, x int) int {
	r := (y + 1) * 2 * sp.q
	if x&1 == 0 {
		return r + sp.q + x/2 // padded column x+1 is odd
	}
	return r + (x+1)/2
}

// putRow writes image row y of a map (row, w values) into the map m.
func putRow[T Float](sp splitShape, m []T, y int, row []T) {
	r := m[(y+1)*2*sp.q:][:2*sp.q]
	e, o := r[:sp.q], r[sp.q:]
	x := 0
	for ; x+1 < len(row); x += 2 {
		o[x/2] = row[x]
		e[x/2+1] = row[x+1]
	}
	if x < len(row) {
		o[x/2] = row[x]
	}
}

// toSplit returns the channel-major maps x (c×n maps of h×w, channel
// after channel) in the split layout.
func toSplit[T Float](x []T, c, n, h, w int) []T {
	sp := newSplitShape(h, w)
	out := make([]T, sp.len(c*n))
	for ch := 0; ch < c; ch++ {
		for s := 0; s < n; s++ {
			for y := 0; y < h; y++ {
				putRow(sp, out[(s*c+ch)*sp.size:], y, x[((ch*n+s)*h+y)*w:][:w])
			}
		}
	}
	return out
}

// fromSplit is toSplit's inverse: the image positions of the split maps,
// channel-major (c×n×h×w).
func fromSplit[T Float](sm []T, c, n, h, w int) []T {
	sp := newSplitShape(h, w)
	out := make([]T, c*n*h*w)
	for ch := 0; ch < c; ch++ {
		for s := 0; s < n; s++ {
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					out[((ch*n+s)*h+y)*w+x] = sm[(s*c+ch)*sp.size+sp.off(y, x)]
				}
			}
		}
	}
	return out
}
