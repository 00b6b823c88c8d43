package main

import (
	"fmt"
	"image/color"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"metaglot/core/preprocess"
	"metaglot/wasm/app"
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

// Game adapts app.State to ebiten: Update applies the page's actions and
// the pen, Draw renders the state.
//
// The page runs ebiten in FPSModeVsyncOffMinimum: a frame (one Update, one
// Draw) runs only when something asks for it with requestFrame —
// a queued action or pointer event, a scroll or resize, or an Update that
// leaves work for the next (see Update) — so an idle page draws nothing.
type Game struct {
	st    *app.State
	dom   *dom
	train *trainUI // the Train view (train_js.go)
	learn *learnUI // the Learn view (learn_js.go); nil without one
	in    penInput // pointer events in, ink out (pen_js.go)

	scale  float64
	lay    layout
	last   app.Pad // pad drawn on last, for keyboard shortcuts
	frames int     // Draws so far
	ticks  int     // Updates so far
	paints int     // Draws that changed the canvas
	// more is set by an Update that leaves work (embedding, adaptation)
	// for the frames after it.
	more bool

	// drawnKey describes what the screen shows; Draw redraws only when it
	// changes (the screen is not cleared between frames).
	drawnKey viewKey

	th       theme
	queryImg *ebiten.Image
	thumbs   map[[3]int]*ebiten.Image // (version, class, index) → image
	thumbVer int
	buf28    []float32
	rgba     []byte
}

func newGame(st *app.State, d *dom) *Game {
	g := &Game{st: st, dom: d, train: &trainUI{}, scale: 1, th: defaultTheme(), thumbs: map[[3]int]*ebiten.Image{},
		buf28: make([]float32, preprocess.Size*preprocess.Size), rgba: make([]byte, 4*preprocess.Size*preprocess.Size)}
	g.queryImg = ebiten.NewImage(preprocess.Size, preprocess.Size)
	return g
}

// Update applies the queued page actions and pointer events, runs a step
// of background work, then shows the state in the HTML (texts, lists, the
// pads' ink) and reads where the slots are for Draw. It asks for the next
// frame itself only while background work is left.
func (g *Game) Update() error {
	g.ticks++
	g.dom.runActions(g)
	g.applyPen()
	// Background work, one step per frame, never while the pen is down.
	g.more = false
	if down, _ := g.in.track.Down(); !down {
		g.more = g.st.Warm(2) // embed new examples ahead of the next query
		g.st.Tick()           // fine-tuning steps of FOMAML/Reptile (StepBudget)
		if a, model, ok := g.st.NeedWide(); ok {
			go loadWide(g.dom, a, model)
		}
		g.more = g.more || g.st.Adapting
	}
	g.dom.render(g)
	// The slots are read after the HTML changed, so that this frame's
	// Draw puts everything where the page now shows it.
	g.lay = g.dom.readLayout()
	g.dom.renderTrain(g)
	g.paintInk()
	if g.more {
		requestFrame()
	}
	return nil
}

// viewKey sums up what a frame shows: when it is unchanged the previous
// frame is still right. The pads' ink and the previews are canvases of
// their own (pen_js.go): drawing changes nothing here.
type viewKey struct {
	version    int
	queryLabel string
	queryImage bool
	scale      float64
	w, h       int
	lay        string
}

func (g *Game) viewKey(screen *ebiten.Image) viewKey {
	k := viewKey{version: g.st.Version, queryLabel: g.st.QueryLabel, queryImage: g.st.QueryImage != nil, scale: g.scale,
		w: screen.Bounds().Dx(), h: screen.Bounds().Dy()}
	k.lay = fmt.Sprint(g.lay)
	return k
}

// Draw renders the pads' paper, the chosen real drawing and the thumbnails
// into their slots, when anything changed since the last frame.
func (g *Game) Draw(screen *ebiten.Image) {
	g.frames++
	key := g.viewKey(screen)
	if key == g.drawnKey {
		g.dom.drawn(g)
		return
	}
	g.drawnKey = key
	g.paints++
	screen.Fill(g.th.bg)
	for _, p := range []app.Pad{app.DrawPad, app.QueryPad} {
		g.drawPad(screen, p)
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
	}
	// The ink is the pad's own canvas, above this paper (pen_js.go).
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
	paintInk(g.rgba, ink, g.th.ink, g.th.paper, true)
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

// paintInk writes a row-major ink raster (1 = ink) into dst as RGBA pixels
// (4 bytes per value, not premultiplied, as ImageData takes them): the ink
// colour with the coverage as alpha over transparency, or, when opaque, the
// ink mixed into paper.
func paintInk(dst []byte, ink []float32, inkC, paper color.RGBA, opaque bool) {
	for i, v := range ink {
		v = min(1, max(0, v))
		if !opaque {
			dst[4*i], dst[4*i+1], dst[4*i+2], dst[4*i+3] = inkC.R, inkC.G, inkC.B, byte(v*255+0.5)
			continue
		}
		mix := func(p, k uint8) byte { return byte(float32(p)*(1-v) + float32(k)*v + 0.5) }
		dst[4*i], dst[4*i+1], dst[4*i+2], dst[4*i+3] = mix(paper.R, inkC.R), mix(paper.G, inkC.G), mix(paper.B, inkC.B), 0xff
	}
}
