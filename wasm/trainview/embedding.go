package trainview

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"metaglot/wasm/trainer/protocol"
)

// EmbeddingLayout places a snapshot's PCA points in a picture: the points'
// bounding box, centred and scaled alike on both axes to fit with a
// margin. DrawEmbedding draws with it and PointAt finds points with it.
type EmbeddingLayout struct {
	cx, cy, mx, my, k float64
	scale             float64
}

// NewEmbeddingLayout returns the layout of s's points in the picture b at
// scale device pixels per CSS pixel.
func NewEmbeddingLayout(b image.Rectangle, s *protocol.Snapshot, scale float64) EmbeddingLayout {
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, p := range s.Points {
		minX, maxX = min(minX, float64(p.X)), max(maxX, float64(p.X))
		minY, maxY = min(minY, float64(p.Y)), max(maxY, float64(p.Y))
	}
	m := 16 * scale // room for a prototype or a diamond at the edge
	span := max(maxX-minX, maxY-minY, 1e-9)
	return EmbeddingLayout{
		cx: float64(b.Min.X+b.Max.X) / 2, cy: float64(b.Min.Y+b.Max.Y) / 2,
		mx: (minX + maxX) / 2, my: (minY + maxY) / 2,
		k:     min(float64(b.Dx())-2*m, float64(b.Dy())-2*m) / span,
		scale: scale,
	}
}

// At returns where p is drawn, in pixels of the picture.
func (l EmbeddingLayout) At(p protocol.Point) (x, y float64) {
	return l.cx + (float64(p.X)-l.mx)*l.k, l.cy - (float64(p.Y)-l.my)*l.k
}

// DrawEmbedding draws the snapshot's points into dst: prototypes as large
// ink-ringed discs in their class's colour, labelled with the class's
// number as in the episode viewer; over them support embeddings as small
// dots (so that a 1-shot support, which is its own prototype, shows as a
// dot at the prototype's centre) and queries as rings; and the user's
// drawings as ink-ringed diamonds in the colours of the user's classes
// (palette from the end), each class's first one labelled with its name.
// The labels are in the 7×13 font enlarged text times (TextFactor; 0: the
// device scale).
func DrawEmbedding(dst *image.RGBA, s *protocol.Snapshot, scale float64, text int) {
	c := canvas{img: dst, scale: scale, font: text}
	b := dst.Rect
	c.fill(b, paper)
	c.rect(b, 1, grid)
	if s == nil || len(s.Points) == 0 {
		return
	}
	l := NewEmbeddingLayout(b, s, scale)
	order := []protocol.Kind{protocol.PrototypePoint, protocol.SupportPoint, protocol.QueryPoint, protocol.UserPoint}
	for _, kind := range order {
		for _, p := range s.Points {
			if p.Kind != kind {
				continue
			}
			x, y := l.At(p)
			col := ClassColor(p.Class)
			switch kind {
			case protocol.SupportPoint:
				c.disc(x, y, c.px(3), col)
				c.disc(x, y, c.px(1.5), ink)
			case protocol.QueryPoint:
				c.disc(x, y, c.px(3.5), col)
				c.disc(x, y, c.px(2), paper)
			case protocol.PrototypePoint:
				c.disc(x, y, c.px(8), ink)
				c.disc(x, y, c.px(6.5), col)
			case protocol.UserPoint:
				col = UserColor(p.Class)
				c.diamond(x, y, c.px(7), ink)
				c.diamond(x, y, c.px(5), col)
			}
		}
	}
	// Labels last, so that no point covers them.
	seen := map[int]bool{}
	for _, p := range s.Points {
		x, y := l.At(p)
		switch {
		case p.Kind == protocol.PrototypePoint:
			c.label(x+c.px(9), y-c.px(4), fmt.Sprint(p.Class%100), ClassColor(p.Class))
		case p.Kind == protocol.UserPoint && !seen[p.Class] && p.Class < len(s.UserClasses):
			seen[p.Class] = true
			name := []rune(s.UserClasses[p.Class])
			if len(name) > 12 {
				name = append(name[:11], '…')
			}
			c.label(x+c.px(9), y-c.px(4), string(name), UserColor(p.Class))
		}
	}
}

// label writes s in the 7×13 basic font enlarged c.fontFactor() times
// (13 CSS pixels high, 26 for a room), on a paper-coloured box with a
// rule of col under it, its top left corner at (x, y), or moved in as far
// as it takes to be whole inside the picture.
func (c canvas) label(x, y float64, s string, col color.RGBA) {
	w := font.MeasureString(basicfont.Face7x13, s).Ceil()
	if w == 0 {
		return
	}
	small := image.NewRGBA(image.Rect(0, 0, w+2, 14))
	draw.Draw(small, small.Rect, image.NewUniform(paper), image.Point{}, draw.Src)
	d := font.Drawer{Dst: small, Src: image.NewUniform(ink), Face: basicfont.Face7x13, Dot: fixed.P(1, 11)}
	d.DrawString(s)
	for i := 1; i < w+1; i++ {
		small.SetRGBA(i, 13, col)
	}
	f := c.fontFactor()
	// Moved in to stay whole inside the picture (an enlarged label beside
	// a point at the edge would be cut).
	b := c.img.Rect
	x0 := max(min(int(x), b.Max.X-small.Rect.Dx()*f), b.Min.X)
	y0 := max(min(int(y), b.Max.Y-small.Rect.Dy()*f), b.Min.Y)
	for py := range small.Rect.Dy() * f {
		for px := range small.Rect.Dx() * f {
			if pt := image.Pt(x0+px, y0+py); pt.In(c.img.Rect) {
				c.img.SetRGBA(pt.X, pt.Y, small.RGBAAt(px/f, py/f))
			}
		}
	}
}

// PointAt returns the index in s.Points of the point under (x, y),
// pixels of the picture b drawn at scale: of the marks drawn there, the
// smallest (a support's dot over its prototype's disc), else the nearest
// point within 10 CSS pixels; −1 if none.
func PointAt(b image.Rectangle, s *protocol.Snapshot, scale, x, y float64) int {
	if s == nil || len(s.Points) == 0 {
		return -1
	}
	radius := map[protocol.Kind]float64{protocol.SupportPoint: 3, protocol.QueryPoint: 3.5, protocol.PrototypePoint: 8, protocol.UserPoint: 7}
	l := NewEmbeddingLayout(b, s, scale)
	hit, hitR, hitD := -1, 0.0, 0.0
	near, nearD := -1, 10*scale
	for i, p := range s.Points {
		px, py := l.At(p)
		d := math.Hypot(px-x, py-y)
		if r := radius[p.Kind]; d <= (r+2)*scale && (hit < 0 || r < hitR || (r == hitR && d < hitD)) {
			hit, hitR, hitD = i, r, d
		}
		if d <= nearD {
			near, nearD = i, d
		}
	}
	if hit >= 0 {
		return hit
	}
	return near
}

// PointInfo says in plain words which drawing point i of s stands for,
// and gives its image (28×28 bytes, 255 = ink) when the snapshot has it:
// a support or query image of the episode. For a user's drawing, user is
// its index among the points of its class (which example of the class);
// the image is the caller's.
func PointInfo(s *protocol.Snapshot, i int) (text string, img []byte, user int) {
	p := s.Points[i]
	j := 0 // index among the earlier points of the same kind (and class, for the user's)
	for _, q := range s.Points[:i] {
		if q.Kind == p.Kind && (p.Kind != protocol.UserPoint || q.Class == p.Class) {
			j++
		}
	}
	name := func(k int) string {
		if k >= 0 && k < len(s.Classes) {
			return fmt.Sprintf("class %d (%s)", k, s.Classes[k])
		}
		return fmt.Sprintf("class %d", k)
	}
	pic := func(all []byte, n int) []byte {
		if (n+1)*784 <= len(all) {
			return all[n*784 : (n+1)*784]
		}
		return nil
	}
	switch p.Kind {
	case protocol.SupportPoint:
		return fmt.Sprintf("Support image %d of %s.", j%max(s.Shot, 1)+1, name(p.Class)), pic(s.Support, j), -1
	case protocol.PrototypePoint:
		return fmt.Sprintf("Prototype of %s: the mean of its %d support embeddings.", name(p.Class), s.Shot), nil, -1
	case protocol.QueryPoint:
		t := fmt.Sprintf("Query %d of %s", j%max(s.Query, 1)+1, name(p.Class))
		if j < len(s.Pred) {
			if s.Pred[j] == p.Class {
				t += ", classified right."
			} else {
				t += ", taken for " + name(s.Pred[j]) + "."
			}
		}
		return t, pic(s.Queries, j), -1
	}
	cls := fmt.Sprint("your class ", p.Class+1)
	if p.Class < len(s.UserClasses) {
		cls = "your class “" + s.UserClasses[p.Class] + "”"
	}
	return fmt.Sprintf("Example %d of %s, drawn in Draw & classify.", j+1, cls), nil, j
}
