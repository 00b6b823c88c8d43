package main

import (
	"fmt"
	"image/color"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"metaglot/core/preprocess"
	"metaglot/wasm/app"
	"metaglot/wasm/pad"
)

// theme is the colours of the canvas.
type theme struct{ paper, ink, border, guide, bg color.RGBA }

func defaultTheme() theme {
	return theme{
		paper:  color.RGBA{0xff, 0xff, 0xff, 0xff},
		ink:    color.RGBA{0x1a, 0x1a, 0x2e, 0xff},
		border: color.RGBA{0x9a, 0x9a, 0xa8, 0xff},
		guide:  color.RGBA{0xee, 0xee, 0xf3, 0xff},
		bg:     color.RGBA{0xf4, 0xf2, 0xec, 0xff},
	}
}

// rect is a rectangle in CSS pixels of the viewport.
type rect struct{ X, Y, W, H float64 }

func (r rect) contains(x, y float64) bool {
	return r.W > 0 && x >= r.X && y >= r.Y && x < r.X+r.W && y < r.Y+r.H
}

// thumb is a slot showing a 28×28 image: an example or a held-out drawing.
type thumb struct {
	r     rect
	class int // −1 for a held-out drawing
	index int
}

// layout is where the slots of the page are, read from the DOM each tick.
type layout struct {
	pads     [2]rect // app.DrawPad, app.QueryPad
	previews [2]rect
	thumbs   []thumb
}

// pointer is the pen on a pad: which pad, and which input holds it.
type pointer struct {
	down  bool
	pad   app.Pad
	touch ebiten.TouchID
	mouse bool
}

// Game adapts app.State to ebiten: Update turns input into actions, Draw
// renders the state.
type Game struct {
	st    *app.State
	dom   *dom
	train *trainUI // the Train view (train_js.go)

	scale  float64
	lay    layout
	pen    pointer
	last   app.Pad // pad drawn on last, for keyboard shortcuts
	frames int
	// workedFrame is the frame in which background work last ran.
	workedFrame int

	// drawnKey describes what the screen shows; Draw redraws only when it
	// changes (the screen is not cleared between frames).
	drawnKey  viewKey
	previewOK [2]viewKey

	th       theme
	white    *ebiten.Image
	queryImg *ebiten.Image
	previews [2]*ebiten.Image
	thumbs   map[[3]int]*ebiten.Image // (version, class, index) → image
	thumbVer int
	buf28    []float32
	rgba     []byte
	vs       []ebiten.Vertex
	is       []uint16
}

func newGame(st *app.State, d *dom) *Game {
	g := &Game{st: st, dom: d, train: &trainUI{}, scale: 1, th: defaultTheme(), thumbs: map[[3]int]*ebiten.Image{},
		buf28: make([]float32, preprocess.Size*preprocess.Size), rgba: make([]byte, 4*preprocess.Size*preprocess.Size)}
	g.white = ebiten.NewImage(3, 3)
	g.white.Fill(color.White)
	g.queryImg = ebiten.NewImage(preprocess.Size, preprocess.Size)
	for i := range g.previews {
		g.previews[i] = ebiten.NewImage(preprocess.Size, preprocess.Size)
	}
	return g
}

// Update applies queued page actions, then the pen.
func (g *Game) Update() error {
	g.dom.runActions(g)
	g.lay = g.dom.readLayout()
	g.dom.renderTrain(g)
	g.updatePen()
	// Background work, at most once per drawn frame (ebiten runs several
	// Updates per frame to catch up after a slow one; these must not pile
	// up), and never while the pen is down.
	if !g.pen.down && g.workedFrame != g.frames {
		g.workedFrame = g.frames
		g.st.Warm(2) // embed new examples ahead of the next query
		g.st.Tick()  // one fine-tuning step of FOMAML/Reptile
	}
	g.dom.render(g)
	return nil
}

// cursor returns the mouse position in CSS pixels.
func (g *Game) cursor() (float64, float64) {
	x, y := ebiten.CursorPosition()
	return float64(x) / g.scale, float64(y) / g.scale
}

// toFrame maps a CSS position onto pad p's 105×105 frame.
func (g *Game) toFrame(p app.Pad, x, y float64) pad.Point {
	r := g.lay.pads[p]
	return pad.Point{X: float32((x - r.X) / r.W * pad.FrameSize), Y: float32((y - r.Y) / r.H * pad.FrameSize)}
}

func (g *Game) padAt(x, y float64) (app.Pad, bool) {
	for _, p := range []app.Pad{app.DrawPad, app.QueryPad} {
		if g.lay.pads[p].contains(x, y) {
			return p, true
		}
	}
	return 0, false
}

// updatePen follows one pointer at a time: the mouse (or a pen seen as a
// mouse) or the first touch that lands on a pad.
func (g *Game) updatePen() {
	if g.pen.down {
		var x, y float64
		var up bool
		if g.pen.mouse {
			x, y = g.cursor()
			up = !ebiten.IsMouseButtonPressed(ebiten.MouseButtonLeft)
		} else {
			tx, ty := ebiten.TouchPosition(g.pen.touch)
			x, y = float64(tx)/g.scale, float64(ty)/g.scale
			up = inpututil.IsTouchJustReleased(g.pen.touch)
		}
		if !up {
			g.st.PenMove(g.pen.pad, g.toFrame(g.pen.pad, x, y))
			return
		}
		// A release ends the stroke where the pen last was.
		g.st.PenUp(g.pen.pad)
		g.pen.down = false
		return
	}
	if inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft) {
		x, y := g.cursor()
		if p, ok := g.padAt(x, y); ok {
			g.pen = pointer{down: true, pad: p, mouse: true}
			g.last = p
			g.st.PenDown(p, g.toFrame(p, x, y))
		}
		return
	}
	for _, id := range inpututil.AppendJustPressedTouchIDs(nil) {
		tx, ty := ebiten.TouchPosition(id)
		x, y := float64(tx)/g.scale, float64(ty)/g.scale
		if p, ok := g.padAt(x, y); ok {
			g.pen = pointer{down: true, pad: p, touch: id}
			g.last = p
			g.st.PenDown(p, g.toFrame(p, x, y))
			return
		}
	}
}

// viewKey sums up what a frame shows: when it is unchanged the previous
// frame is still right.
type viewKey struct {
	version    int
	strokes    [2]int
	points     [2]int
	queryLabel string
	queryImage bool
	scale      float64
	w, h       int
	lay        string
}

func (g *Game) viewKey(screen *ebiten.Image) viewKey {
	k := viewKey{version: g.st.Version, queryLabel: g.st.QueryLabel, queryImage: g.st.QueryImage != nil, scale: g.scale,
		w: screen.Bounds().Dx(), h: screen.Bounds().Dy()}
	for _, p := range []app.Pad{app.DrawPad, app.QueryPad} {
		s := g.st.Pad(p).Strokes()
		k.strokes[p] = len(s)
		if len(s) > 0 {
			k.points[p] = len(s[len(s)-1])
		}
	}
	k.lay = fmt.Sprint(g.lay)
	return k
}

// Draw renders the pads, previews and thumbnails into their slots, when
// anything changed since the last frame.
func (g *Game) Draw(screen *ebiten.Image) {
	g.frames++
	key := g.viewKey(screen)
	if key == g.drawnKey {
		g.dom.drawn(g)
		return
	}
	g.drawnKey = key
	screen.Fill(g.th.bg)
	for _, p := range []app.Pad{app.DrawPad, app.QueryPad} {
		g.drawPad(screen, p)
		g.drawPreview(screen, p)
	}
	if g.thumbVer != g.st.Version {
		for _, im := range g.thumbs {
			im.Deallocate()
		}
		clear(g.thumbs)
		g.thumbVer = g.st.Version
	}
	for _, t := range g.lay.thumbs {
		g.drawThumb(screen, t)
	}
	g.dom.drawn(g)
}

// px converts a CSS rectangle to screen pixels.
func (g *Game) px(r rect) (x, y, w, h float32) {
	s := g.scale
	return float32(r.X * s), float32(r.Y * s), float32(r.W * s), float32(r.H * s)
}

func (g *Game) drawPad(screen *ebiten.Image, p app.Pad) {
	r := g.lay.pads[p]
	if r.W <= 0 {
		return
	}
	x, y, w, h := g.px(r)
	vector.DrawFilledRect(screen, x, y, w, h, g.th.paper, false)
	vector.StrokeLine(screen, x+w/2, y, x+w/2, y+h, 1, g.th.guide, false)
	vector.StrokeLine(screen, x, y+h/2, x+w, y+h/2, 1, g.th.guide, false)
	vector.StrokeRect(screen, x, y, w, h, float32(g.scale), g.th.border, false)
	if p == app.QueryPad && g.st.QueryImage != nil {
		g.fill(g.queryImg, g.st.QueryImage)
		g.blit(screen, g.queryImg, r, true)
		return
	}
	strokes := g.st.Pad(p).Strokes()
	if len(strokes) == 0 {
		return
	}
	k := w / pad.FrameSize
	var path vector.Path
	for _, s := range strokes {
		s = s.Smooth(g.st.Pen.Smooth)
		path.MoveTo(x+s[0].X*k, y+s[0].Y*k)
		if len(s) == 1 { // a dot: a tiny segment gets round caps
			path.LineTo(x+s[0].X*k+0.01, y+s[0].Y*k)
		}
		for _, q := range s[1:] {
			path.LineTo(x+q.X*k, y+q.Y*k)
		}
	}
	op := &vector.StrokeOptions{Width: g.st.Pen.Width * k, LineCap: vector.LineCapRound, LineJoin: vector.LineJoinRound}
	g.vs, g.is = path.AppendVerticesAndIndicesForStroke(g.vs[:0], g.is[:0], op)
	for i := range g.vs {
		g.vs[i].SrcX, g.vs[i].SrcY = 1, 1
		g.vs[i].ColorR, g.vs[i].ColorG, g.vs[i].ColorB, g.vs[i].ColorA = float32(g.th.ink.R)/255, float32(g.th.ink.G)/255, float32(g.th.ink.B)/255, 1
	}
	sub := screen.SubImage(screen.Bounds().Intersect(imageRect(x, y, w, h))).(*ebiten.Image)
	sub.DrawTriangles(g.vs, g.is, g.white, &ebiten.DrawTrianglesOptions{AntiAlias: true})
}

func (g *Game) drawPreview(screen *ebiten.Image, p app.Pad) {
	r := g.lay.previews[p]
	if r.W <= 0 {
		return
	}
	if k := g.drawnKey; g.previewOK[p] != k {
		g.previewOK[p] = k
		g.st.Preview(p, g.buf28)
		g.fill(g.previews[p], g.buf28)
	}
	x, y, w, h := g.px(r)
	op := &ebiten.DrawImageOptions{}
	op.GeoM.Scale(float64(w)/preprocess.Size, float64(h)/preprocess.Size)
	op.GeoM.Translate(float64(x), float64(y))
	screen.DrawImage(g.previews[p], op) // nearest filter: show the pixels
	vector.StrokeRect(screen, x, y, w, h, float32(g.scale), g.th.border, false)
}

func (g *Game) drawThumb(screen *ebiten.Image, t thumb) {
	var img []float32
	if t.class < 0 {
		if t.index < len(g.st.Omniglot) {
			img = g.st.Omniglot[t.index].Image
		}
	} else {
		img = g.st.ExampleImage(t.class, t.index)
	}
	if img == nil {
		return
	}
	g.drawImage28Cached(screen, [3]int{g.st.Version, t.class, t.index}, img, t.r)
}

func (g *Game) drawImage28Cached(screen *ebiten.Image, key [3]int, img []float32, r rect) {
	im, ok := g.thumbs[key]
	if !ok {
		im = ebiten.NewImage(preprocess.Size, preprocess.Size)
		g.fill(im, img)
		g.thumbs[key] = im
	}
	g.blit(screen, im, r, true)
}

func (g *Game) blit(screen, im *ebiten.Image, r rect, smooth bool) {
	x, y, w, h := g.px(r)
	vector.DrawFilledRect(screen, x, y, w, h, g.th.paper, false)
	op := &ebiten.DrawImageOptions{}
	if smooth {
		op.Filter = ebiten.FilterLinear
	}
	op.GeoM.Scale(float64(w)/preprocess.Size, float64(h)/preprocess.Size)
	op.GeoM.Translate(float64(x), float64(y))
	screen.DrawImage(im, op)
	vector.StrokeRect(screen, x, y, w, h, float32(g.scale), g.th.border, false)
}

// fill writes a 28×28 ink image (1 = ink) into im as ink on paper.
func (g *Game) fill(im *ebiten.Image, ink []float32) {
	for i, v := range ink {
		v = min(1, max(0, v))
		mix := func(paper, ink uint8) byte { return byte(float32(paper)*(1-v) + float32(ink)*v + 0.5) }
		g.rgba[4*i] = mix(g.th.paper.R, g.th.ink.R)
		g.rgba[4*i+1] = mix(g.th.paper.G, g.th.ink.G)
		g.rgba[4*i+2] = mix(g.th.paper.B, g.th.ink.B)
		g.rgba[4*i+3] = 0xff
	}
	im.WritePixels(g.rgba)
}

// LayoutF renders at device pixels: the screen is the window's CSS size
// times the device scale factor, so the canvas is crisp at any
// devicePixelRatio.
func (g *Game) LayoutF(outsideWidth, outsideHeight float64) (float64, float64) {
	g.scale = ebiten.Monitor().DeviceScaleFactor()
	return outsideWidth * g.scale, outsideHeight * g.scale
}

// Layout is required by ebiten.Game; LayoutF takes precedence.
func (g *Game) Layout(outsideWidth, outsideHeight int) (int, int) {
	w, h := g.LayoutF(float64(outsideWidth), float64(outsideHeight))
	return int(w), int(h)
}
