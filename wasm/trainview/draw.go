package trainview

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"metaglot/wasm/trainer/protocol"
)

// Colours of the pictures.
var (
	paper    = color.RGBA{0xff, 0xff, 0xff, 0xff}
	ink      = color.RGBA{0x1a, 0x1a, 0x2e, 0xff}
	grid     = color.RGBA{0xe6, 0xe4, 0xde, 0xff}
	muted    = color.RGBA{0x6b, 0x6b, 0x7b, 0xff}
	rawLoss  = color.RGBA{0xa9, 0xbc, 0xe8, 0xff}
	lossLine = color.RGBA{0x24, 0x56, 0xc8, 0xff}
	rawAcc   = color.RGBA{0xa8, 0xd8, 0xbd, 0xff}
	accLine  = color.RGBA{0x1f, 0x7a, 0x4d, 0xff}
	heldOut  = color.RGBA{0xd9, 0x6c, 0x00, 0xff}
	// heldOutBefore is the held-out accuracy before adaptation (0 inner
	// steps) of a learner that adapts.
	heldOutBefore = color.RGBA{0x7b, 0x3f, 0xa0, 0xff}
	right         = color.RGBA{0x1f, 0x9a, 0x4d, 0xff}
	wrong         = color.RGBA{0xc8, 0x24, 0x2c, 0xff}
)

// palette is Tableau's 20 colours; class k gets palette[k % 20].
var palette = [20]color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff}, {0xd6, 0x27, 0x28, 0xff},
	{0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff}, {0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff},
	{0xbc, 0xbd, 0x22, 0xff}, {0x17, 0xbe, 0xcf, 0xff}, {0xae, 0xc7, 0xe8, 0xff}, {0xff, 0xbb, 0x78, 0xff},
	{0x98, 0xdf, 0x8a, 0xff}, {0xff, 0x98, 0x96, 0xff}, {0xc5, 0xb0, 0xd5, 0xff}, {0xc4, 0x9c, 0x94, 0xff},
	{0xf7, 0xb6, 0xd2, 0xff}, {0xc7, 0xc7, 0xc7, 0xff}, {0xdb, 0xdb, 0x8d, 0xff}, {0x9e, 0xda, 0xe5, 0xff},
}

// ClassColor returns the colour of class k in the episode viewer and the
// embedding view.
func ClassColor(k int) color.RGBA { return palette[k%len(palette)] }

// canvas wraps an RGBA image with the drawing primitives of the views.
type canvas struct {
	img   *image.RGBA
	scale float64 // device pixels per CSS pixel
	// font is the device pixels per pixel of the 7×13 font the pictures'
	// text is written in (TextFactor); 0 is taken as the device scale.
	font int
}

// fontFactor is c.font, or the device scale rounded when it is not set.
func (c canvas) fontFactor() int {
	if c.font > 0 {
		return c.font
	}
	return max(1, int(math.Round(c.scale)))
}

// TextFactor is how many times the 7×13 font the charts and the embedding
// view write in is enlarged, in device pixels per font pixel: the device
// scale (scale, device pixels per CSS pixel), doubled for a room — in
// Large-text mode or in a window at least 1600 CSS pixels wide (a
// projector's 1920), where 13-pixel text is unreadable from the back. A
// chart's text is then 26 CSS pixels high.
func TextFactor(scale, windowWidth float64, large bool) int {
	f := max(scale, 1)
	if large || windowWidth >= 1600 {
		f *= 2
	}
	return max(1, int(math.Round(f)))
}

// textWidth is the width of s in the 7×13 font enlarged f times.
func textWidth(s string, f int) int { return font.MeasureString(basicfont.Face7x13, s).Ceil() * f }

// say writes s in the 7×13 font enlarged c.fontFactor() times with its
// 13-pixel line's left end at x and its vertical middle at y.
func (c canvas) say(x, y int, s string, col color.RGBA) {
	f := c.fontFactor()
	c.bigText(x, y-13*f/2, s, col, f)
}

func (c canvas) fill(r image.Rectangle, col color.RGBA) {
	r = r.Intersect(c.img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c.img.SetRGBA(x, y, col)
		}
	}
}

func (c canvas) rect(r image.Rectangle, w int, col color.RGBA) {
	c.fill(image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+w), col)
	c.fill(image.Rect(r.Min.X, r.Max.Y-w, r.Max.X, r.Max.Y), col)
	c.fill(image.Rect(r.Min.X, r.Min.Y, r.Min.X+w, r.Max.Y), col)
	c.fill(image.Rect(r.Max.X-w, r.Min.Y, r.Max.X, r.Max.Y), col)
}

// disc fills a disc of radius r (device pixels) at (x, y).
func (c canvas) disc(x, y, r float64, col color.RGBA) {
	for py := int(math.Floor(y - r)); py <= int(math.Ceil(y+r)); py++ {
		for px := int(math.Floor(x - r)); px <= int(math.Ceil(x+r)); px++ {
			dx, dy := float64(px)+0.5-x, float64(py)+0.5-y
			if dx*dx+dy*dy <= r*r && image.Pt(px, py).In(c.img.Rect) {
				c.img.SetRGBA(px, py, col)
			}
		}
	}
}

// line draws a line of width w from (x0, y0) to (x1, y1) as discs spaced
// half a pixel apart.
func (c canvas) line(x0, y0, x1, y1, w float64, col color.RGBA) {
	n := int(math.Ceil(2*math.Hypot(x1-x0, y1-y0))) + 1
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		c.disc(x0+t*(x1-x0), y0+t*(y1-y0), w/2, col)
	}
}

// bigText writes s in the 7×13 basic font enlarged f times (nearest
// neighbour: crisp), the top left corner of its 13-pixel line at (x, y);
// only the glyphs' pixels are drawn.
func (c canvas) bigText(x, y int, s string, col color.RGBA, f int) {
	w := font.MeasureString(basicfont.Face7x13, s).Ceil()
	if w == 0 {
		return
	}
	small := image.NewAlpha(image.Rect(0, 0, w, 13))
	d := font.Drawer{Dst: small, Src: image.Opaque, Face: basicfont.Face7x13, Dot: fixed.P(0, 11)}
	d.DrawString(s)
	for py := range 13 * f {
		for px := range w * f {
			if small.AlphaAt(px/f, py/f).A < 128 {
				continue
			}
			if pt := image.Pt(x+px, y+py); pt.In(c.img.Rect) {
				c.img.SetRGBA(pt.X, pt.Y, col)
			}
		}
	}
}

func (c canvas) px(v float64) float64 { return v * c.scale }

// ChartKind chooses a chart.
type ChartKind int

const (
	LossChart     ChartKind = iota // training loss, raw and smoothed
	AccuracyChart                  // training accuracy, raw and smoothed, and held-out accuracy (before and after adaptation)
)

// DrawChart draws a chart of h into dst (all of it) at scale device
// pixels per CSS pixel, its text in the 7×13 font enlarged text times
// (TextFactor; 0: the device scale): raw values in a light colour, the
// smoothed curve over them, and on the accuracy chart the held-out
// accuracy as dots joined by a line — for a learner that adapts by inner
// steps (History.Adapts) two lines, after adaptation and before it (0
// steps: what the meta-learned weights do alone), named by a legend in
// the plot's top left corner. The y axis runs from 0 to the largest raw
// loss (loss) or to 1 (accuracy); the x axis over the run's episodes. The
// margins grow with the text, so the labels stay outside the plot.
func DrawChart(dst *image.RGBA, h *History, kind ChartKind, scale float64, text int) {
	c := canvas{img: dst, scale: scale, font: text}
	f := c.fontFactor()
	b := dst.Rect
	c.fill(b, paper)
	ymax := 1.0
	if kind == LossChart {
		ymax = 0
		for _, p := range h.Points {
			ymax = max(ymax, p.Loss)
		}
		if ymax <= 0 {
			ymax = 1
		}
		ymax = niceCeil(ymax)
	}
	labels := make([]string, 5)
	for i := range labels {
		labels[i] = fmt.Sprintf("%.3g", ymax*float64(i)/4)
		if kind == AccuracyChart {
			labels[i] = fmt.Sprintf("%d%%", 25*i)
		}
	}
	// The y axis's labels left of the plot, the x axis's under it, the
	// top one's upper half above it.
	left := 2
	for _, l := range labels {
		left = max(left, 2+textWidth(l, f)+5*f)
	}
	left = max(left, 42)
	bottom := 13*f + 5
	plot := image.Rect(b.Min.X+left, b.Min.Y+max(8, 7*f), b.Max.X-8, b.Max.Y-bottom)
	if plot.Dx() < 10 || plot.Dy() < 10 {
		return
	}
	for i, label := range labels {
		y := plot.Max.Y - i*plot.Dy()/4
		c.fill(image.Rect(plot.Min.X, y, plot.Max.X, y+1), grid)
		c.say(b.Min.X+2, y, label, muted)
	}
	c.rect(plot, 1, muted)
	first, last := 0, 1
	if len(h.Points) > 0 {
		last = h.Points[len(h.Points)-1].Episode
	}
	if n := len(h.Evals); n > 0 {
		last = max(last, h.Evals[n-1].Episode)
	}
	xLabel := plot.Max.Y + 2 + 13*f/2
	c.say(plot.Min.X, xLabel, "0", muted)
	end := fmt.Sprintf("episode %d", last)
	c.say(plot.Max.X-textWidth(end, f), xLabel, end, muted)
	xOf := func(ep int) float64 {
		return float64(plot.Min.X) + float64(ep-first)/float64(max(last-first, 1))*float64(plot.Dx()-1)
	}
	yOf := func(v float64) float64 {
		v = min(max(v/ymax, 0), 1)
		return float64(plot.Max.Y-1) - v*float64(plot.Dy()-2)
	}
	raw, smooth, rawCol, smoothCol := func(p Point) float64 { return p.Loss }, func(p Point) float64 { return p.SmoothLoss }, rawLoss, lossLine
	if kind == AccuracyChart {
		raw, smooth, rawCol, smoothCol = func(p Point) float64 { return p.Acc }, func(p Point) float64 { return p.SmoothAc }, rawAcc, accLine
	}
	curve := func(v func(Point) float64, w float64, col color.RGBA) {
		for i := 1; i < len(h.Points); i++ {
			a, b := h.Points[i-1], h.Points[i]
			c.line(xOf(a.Episode), yOf(v(a)), xOf(b.Episode), yOf(v(b)), w, col)
		}
		if len(h.Points) == 1 {
			p := h.Points[0]
			c.disc(xOf(p.Episode), yOf(v(p)), w, col)
		}
	}
	curve(raw, c.px(1), rawCol)
	curve(smooth, c.px(2), smoothCol)
	if kind == AccuracyChart {
		series := func(v func(protocol.Eval) float64, col color.RGBA) {
			for i, e := range h.Evals {
				x, y := xOf(e.Episode), yOf(v(e))
				if i > 0 {
					p := h.Evals[i-1]
					c.line(xOf(p.Episode), yOf(v(p)), x, y, c.px(1.5), col)
				}
				c.disc(x, y, c.px(3.5), col)
			}
		}
		if h.Adapts {
			series(func(e protocol.Eval) float64 { return e.Before }, heldOutBefore)
		}
		series(func(e protocol.Eval) float64 { return e.Acc }, heldOut)
		if h.Adapts {
			legend := []struct {
				text string
				col  color.RGBA
			}{{"held-out, adapted", heldOut}, {"held-out, 0 steps", heldOutBefore}}
			// Lines of the text's height and a sample line as long as
			// two characters.
			lineH, sample := 15*f, max(int(c.px(14)), 14*f)
			x0, y0 := plot.Min.X+6, plot.Min.Y+4
			wide := 0
			for _, l := range legend {
				wide = max(wide, textWidth(l.text, f))
			}
			box := image.Rect(x0-3, y0-2, x0+sample+6*f+wide+3, y0+lineH*len(legend)+2)
			c.fill(box.Intersect(plot), paper)
			for i, l := range legend {
				y := y0 + lineH*i + lineH/2
				c.line(float64(x0), float64(y), float64(x0+sample), float64(y), max(c.px(2), float64(f+1)), l.col)
				c.say(x0+sample+6*f, y, l.text, ink)
			}
		}
	}
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// DrawEpisode draws the snapshot's episode into dst: one row per class (a
// colour swatch with the label, the K support images, a gap, the Q
// queries); each query is framed green if classified right and red if
// wrong, a wrong one with a corner in the colour of the class it was taken
// for. Rows beyond what fits are left out.
func DrawEpisode(dst *image.RGBA, s *protocol.Snapshot, scale float64) {
	c := canvas{img: dst, scale: scale}
	b := dst.Rect
	c.fill(b, paper)
	if s == nil || s.Way == 0 {
		return
	}
	cols := s.Shot + s.Query
	// The class numbers are read from across a room: the 7×13 font
	// enlarged by the device scale, and doubled when the rows are tall
	// enough; the swatch is as wide as the widest number.
	f := max(1, int(math.Round(c.scale)))
	if b.Dy()/s.Way >= int(c.px(48)) {
		f *= 2
	}
	digits := len(fmt.Sprint(min(s.Way-1, 99)))
	swatch := max(int(c.px(18)), 7*digits*f+6)
	gap := int(c.px(10))
	cell := min((b.Dx()-swatch-gap)/max(cols, 1), b.Dy()/s.Way)
	cell = max(cell, 8)
	if cell < 13*f+4 {
		f = 1
	}
	pad := max(1, cell/12)
	for k := range s.Way {
		y := b.Min.Y + k*cell
		if y+cell > b.Max.Y {
			break
		}
		c.fill(image.Rect(b.Min.X+2, y+pad, b.Min.X+swatch-2, y+cell-pad), ClassColor(k))
		if cell >= 14 {
			c.bigText(b.Min.X+3, y+cell/2-13*f/2, fmt.Sprint(k%100), paper, f)
		}
		for j := range s.Shot {
			r := image.Rect(b.Min.X+swatch+j*cell, y, b.Min.X+swatch+(j+1)*cell, y+cell)
			c.image28(r.Inset(pad), s.Support[(k*s.Shot+j)*784:])
		}
		for j := range s.Query {
			i := k*s.Query + j
			x := b.Min.X + swatch + gap + (s.Shot+j)*cell
			r := image.Rect(x, y, x+cell, y+cell)
			c.image28(r.Inset(pad), s.Queries[i*784:])
			if i < len(s.Pred) {
				col := right
				if s.Pred[i] != k {
					col = wrong
					c.fill(image.Rect(r.Max.X-cell/3, r.Min.Y, r.Max.X, r.Min.Y+cell/3), ClassColor(s.Pred[i]))
				}
				c.rect(r, max(1, int(c.px(2))), col)
			}
		}
	}
}

// image28 draws a 28×28 ink image (bytes, 255 = ink) scaled into r.
func (c canvas) image28(r image.Rectangle, img []byte) {
	if r.Dx() <= 0 || r.Dy() <= 0 || len(img) < 784 {
		return
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		sy := (y - r.Min.Y) * 28 / r.Dy()
		for x := r.Min.X; x < r.Max.X; x++ {
			sx := (x - r.Min.X) * 28 / r.Dx()
			v := uint32(img[sy*28+sx])
			// Paper to ink.
			mix := func(p, i uint8) uint8 { return uint8((uint32(p)*(255-v) + uint32(i)*v) / 255) }
			if image.Pt(x, y).In(c.img.Rect) {
				c.img.SetRGBA(x, y, color.RGBA{mix(paper.R, ink.R), mix(paper.G, ink.G), mix(paper.B, ink.B), 0xff})
			}
		}
	}
}

func (c canvas) diamond(x, y, r float64, col color.RGBA) {
	for py := int(math.Floor(y - r)); py <= int(math.Ceil(y+r)); py++ {
		for px := int(math.Floor(x - r)); px <= int(math.Ceil(x+r)); px++ {
			if math.Abs(float64(px)+0.5-x)+math.Abs(float64(py)+0.5-y) <= r && image.Pt(px, py).In(c.img.Rect) {
				c.img.SetRGBA(px, py, col)
			}
		}
	}
}

// UserColor returns the colour of the user's class k in the embedding view.
func UserColor(k int) color.RGBA { return palette[len(palette)-1-k%len(palette)] }
