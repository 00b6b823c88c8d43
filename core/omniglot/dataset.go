package omniglot

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	"metaglot/core/episode"
)

// cell is the number of pixels of one image.
const cell = ImageSize * ImageSize

// Dataset is the index plus the pixels of the alphabets loaded so far.
//
// Characters are numbered 0..NumCharacters()−1 in index order (alphabet by
// alphabet, rows in order); this number is what a Class holds. A Dataset is
// not safe for concurrent use while alphabets are being added; once loaded,
// reading it from several goroutines is fine.
type Dataset struct {
	index *Index
	chars []charRef
	// pix[a] holds alphabet a's images, nil until loaded: character-major,
	// then drawer, then a 28×28 row-major image, 255 = ink.
	pix    [][]uint8
	byName map[string]int // alphabet name → position in index.Alphabets
}

// charRef locates a character of the dataset.
type charRef struct {
	alphabet, row int
}

// CharacterInfo describes one character of a Dataset.
type CharacterInfo struct {
	Alphabet string // alphabet name, e.g. "Latin"
	Set      string // "background" or "evaluation"
	Name     string // "character07"
	ID       int    // global id 1..1623
	Vinyals  string // "train", "val" or "test"
}

// New returns a Dataset for the index, with no alphabet loaded.
func New(ix *Index) *Dataset {
	d := &Dataset{index: ix, pix: make([][]uint8, len(ix.Alphabets)), byName: map[string]int{}}
	for a, al := range ix.Alphabets {
		d.byName[al.Name] = a
		for r := range al.Characters {
			d.chars = append(d.chars, charRef{a, r})
		}
	}
	return d
}

// The methods below make a *Dataset an episode.Dataset (Grouped and
// Partial), which episode.NewSampler draws from: classes are characters,
// items are drawers, groups are alphabets.
var _ interface {
	episode.Grouped
	episode.Partial
} = (*Dataset)(nil)

// NumClasses returns the number of characters, NumCharacters().
func (d *Dataset) NumClasses() int { return len(d.chars) }

// ItemsPerClass returns the number of drawings of each character: the
// index's drawer count (Drawers).
func (d *Dataset) ItemsPerClass() int { return d.index.Drawers }

// ImageShape returns the shape of one image as WriteImage writes it: one
// channel of the index's image size (1, 28, 28).
func (d *Dataset) ImageShape() (c, h, w int) { return 1, d.index.ImageSize, d.index.ImageSize }

// NumGroups returns the number of alphabets in the index.
func (d *Dataset) NumGroups() int { return len(d.index.Alphabets) }

// GroupOf returns the alphabet of character c, as AlphabetOf.
func (d *Dataset) GroupOf(c int) int { return d.AlphabetOf(c) }

// GroupName returns the name of alphabet a (a position in
// Index().Alphabets).
func (d *Dataset) GroupName(a int) string { return d.index.Alphabets[a].Name }

// HasImages reports whether the alphabet of character c is loaded, so
// that WriteImage can write its images. It panics if c is out of range.
func (d *Dataset) HasImages(c int) bool { return d.pix[d.chars[c].alphabet] != nil }

// Index returns the dataset's index. It must not be modified.
func (d *Dataset) Index() *Index { return d.index }

// NumCharacters returns the number of characters in the index, loaded or
// not.
func (d *Dataset) NumCharacters() int { return len(d.chars) }

// Character describes character c. It panics if c is out of range.
func (d *Dataset) Character(c int) CharacterInfo {
	r := d.chars[c]
	a := &d.index.Alphabets[r.alphabet]
	ch := a.Characters[r.row]
	return CharacterInfo{Alphabet: a.Name, Set: a.Set, Name: ch.Name, ID: ch.ID, Vinyals: ch.Vinyals}
}

// AlphabetOf returns the position in Index().Alphabets of character c's
// alphabet. It panics if c is out of range.
func (d *Dataset) AlphabetOf(c int) int { return d.chars[c].alphabet }

// Loaded reports whether the named alphabet's pixels are in.
func (d *Dataset) Loaded(alphabet string) bool {
	a, ok := d.byName[alphabet]
	return ok && d.pix[a] != nil
}

// AddAlphabetSheet decodes the PNG sprite sheet of the named alphabet (the
// bytes of the file Index names for it), which must be 8-bit greyscale, and
// keeps its pixels as AddAlphabetImage. Adding an alphabet again replaces its pixels.
func (d *Dataset) AddAlphabetSheet(name string, pngBytes []byte) error {
	a, ok := d.byName[name]
	if !ok {
		return fmt.Errorf("omniglot: no alphabet %q in the index", name)
	}
	al := &d.index.Alphabets[a]
	// The header first: a sheet of any other size is refused before its
	// pixels are decoded (a few bytes can claim gigabytes of them).
	cfg, err := png.DecodeConfig(bytes.NewReader(pngBytes))
	if err != nil {
		return fmt.Errorf("omniglot: sheet %s of %s: %w", al.File, name, err)
	}
	if n := len(al.Characters); cfg.Width != Drawers*ImageSize || cfg.Height != n*ImageSize {
		return fmt.Errorf("omniglot: sheet %s of %s is %dx%d, want %dx%d (%d characters × %d drawers)",
			al.File, name, cfg.Width, cfg.Height, Drawers*ImageSize, n*ImageSize, n, Drawers)
	}
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		return fmt.Errorf("omniglot: sheet %s of %s: %w", al.File, name, err)
	}
	if _, ok := img.(*image.Gray); !ok {
		return fmt.Errorf("omniglot: sheet %s of %s: %T, want 8-bit greyscale", d.index.Alphabets[a].File, name, img)
	}
	return d.AddAlphabetImage(name, img)
}

// AddAlphabetImage keeps the pixels of the named alphabet's sheet, already
// decoded: an *image.Gray (what image/png gives), or an *image.RGBA or
// *image.NRGBA whose red channel is taken (what a browser canvas's
// getImageData gives for the greyscale sheet, which the browser decodes
// faster than Go under WebAssembly). The sheet must be 20×28 pixels wide and
// 28 pixels high per character. The pixels are copied.
func (d *Dataset) AddAlphabetImage(name string, img image.Image) error {
	a, ok := d.byName[name]
	if !ok {
		return fmt.Errorf("omniglot: no alphabet %q in the index", name)
	}
	al := &d.index.Alphabets[a]
	var pix []uint8
	var stride, step int
	switch m := img.(type) {
	case *image.Gray:
		pix, stride, step = m.Pix, m.Stride, 1
	case *image.RGBA:
		pix, stride, step = m.Pix, m.Stride, 4
	case *image.NRGBA:
		pix, stride, step = m.Pix, m.Stride, 4
	default:
		return fmt.Errorf("omniglot: sheet %s of %s: %T, want 8-bit greyscale", al.File, name, img)
	}
	n := len(al.Characters)
	b := img.Bounds()
	if w, h := b.Dx(), b.Dy(); w != Drawers*ImageSize || h != n*ImageSize {
		return fmt.Errorf("omniglot: sheet %s of %s is %dx%d, want %dx%d (%d characters × %d drawers)",
			al.File, name, w, h, Drawers*ImageSize, n*ImageSize, n, Drawers)
	}
	out := make([]uint8, n*Drawers*cell)
	for c := range n {
		for dr := range Drawers {
			dst := out[(c*Drawers+dr)*cell:]
			for y := range ImageSize {
				src := pix[(c*ImageSize+y)*stride+dr*ImageSize*step:]
				row := dst[y*ImageSize : (y+1)*ImageSize]
				if step == 1 {
					copy(row, src[:ImageSize])
					continue
				}
				for x := range row {
					row[x] = src[x*step]
				}
			}
		}
	}
	d.pix[a] = out
	return nil
}

// Pixels returns the stored 28×28 image (row-major, 255 = ink) of character
// c by drawer dr, or nil if c's alphabet is not loaded. The slice aliases
// the dataset and must not be modified. It panics if c or dr is out of
// range.
func (d *Dataset) Pixels(c, dr int) []uint8 {
	if dr < 0 || dr >= Drawers {
		panic(fmt.Sprintf("omniglot: drawer %d out of range [0, %d)", dr, Drawers))
	}
	r := d.chars[c]
	p := d.pix[r.alphabet]
	if p == nil {
		return nil
	}
	o := (r.row*Drawers + dr) * cell
	return p[o : o+cell : o+cell]
}

// WriteImage writes into dst (length 28×28) the image of character c by
// drawer dr turned by rot quarter turns counter-clockwise (rot in 0..3), as
// float32 in [0, 1] with 1 = ink. With N = 28, output pixel (y, x) is the
// stored pixel
//
//	rot 0: (y, x)    rot 1: (x, N−1−y)    rot 2: (N−1−y, N−1−x)    rot 3: (N−1−x, y)
//
// It panics if c, dr or rot is out of range, if len(dst) != 784, or if c's
// alphabet is not loaded.
func (d *Dataset) WriteImage(dst []float32, c, dr, rot int) {
	src := d.Pixels(c, dr)
	if src == nil {
		panic(fmt.Sprintf("omniglot: alphabet %s of character %d is not loaded", d.index.Alphabets[d.chars[c].alphabet].Name, c))
	}
	if len(dst) != cell {
		panic(fmt.Sprintf("omniglot: WriteImage destination has %d values, want %d", len(dst), cell))
	}
	const n = ImageSize
	switch rot {
	case 0:
		for i, v := range src {
			dst[i] = float32(v) / 255
		}
	case 1:
		for y := range n {
			for x := range n {
				dst[y*n+x] = float32(src[x*n+n-1-y]) / 255
			}
		}
	case 2:
		for i, v := range src {
			dst[cell-1-i] = float32(v) / 255
		}
	case 3:
		for y := range n {
			for x := range n {
				dst[y*n+x] = float32(src[(n-1-x)*n+y]) / 255
			}
		}
	default:
		panic(fmt.Sprintf("omniglot: rotation %d quarter turns out of range [0, 4)", rot))
	}
}
