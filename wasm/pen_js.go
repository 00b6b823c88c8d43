package main

import (
	"image"
	"math"
	"syscall/js"

	"github.com/hajimehoshi/ebiten/v2"

	"metaglot/core/preprocess"
	"metaglot/wasm/app"
	"metaglot/wasm/pad"
)

// penInput is the pen's way in, and the pads' ink on its way out.
//
// In: pointer events (mouse, finger and stylus alike) on the pads' slots,
// which take them (index.html gives the pads pointer-events; their touch
// events are cancelled, so a drag there never scrolls). A press captures the pointer to its slot, so the
// moves and the release come even over the page's buttons or outside the
// window; a window-level listener in the capture phase also sees every
// release and cancellation, so a stroke always ends. Each event is queued
// with its point in the pad's frame, and Update applies the queue in order:
// no point is lost, however the browser spaces frames and updates.
// Pressure, tilt and contact size are not read: the network was trained on
// strokes of constant width.
//
// Out: each pad's ink is rasterised by the calibrated pen (pad.Pen, the
// same that makes the network's input) at the screen's resolution into a
// <canvas> of its own inside the slot, and each 28×28 preview likewise.
// Drawing therefore never touches ebiten's full-window canvas, whose every
// frame costs the whole window (see README, "Idle and drawing").
type penInput struct {
	queue pad.Queue

	slots [2]js.Value // #slot-draw, #slot-query
	track pad.Tracker

	ink     [2]js.Value // the ink canvases, one per pad
	preview [2]js.Value // the 28×28 preview canvases
	inkKey  [2]inkKey   // what each ink canvas shows
	prevKey [2]inkKey   // what each preview shows
	raster  [2]*pad.Ink // each pad's ink at its canvas's size
	frame   [2]*pad.Ink // and in the 105×105 frame, for the preview
	rgba    []byte
}

// inkKey sums up a pad's drawing as shown: when it is unchanged the canvas
// is still right.
type inkKey struct {
	strokes, points int
	first, last     pad.Point
	size            int
	queryImage      *float32
}

// bindPen gives the pads their canvases and wires the pointer events.
func (g *Game) bindPen() {
	d, in := g.dom, &g.in
	in.slots = [2]js.Value{d.el["slot-draw"], d.el["slot-query"]}
	previews := [2]js.Value{d.el["preview-draw"], d.el["preview-query"]}
	for p := range in.slots {
		in.ink[p] = d.create("canvas", "class", "ink", "aria-hidden", "true")
		in.slots[p].Call("appendChild", in.ink[p])
		in.preview[p] = d.create("canvas", "class", "ink", "width", "28", "height", "28", "aria-hidden", "true")
		previews[p].Call("appendChild", in.preview[p])
	}
	listen := func(target js.Value, event string, f func(e js.Value)) {
		fn := js.FuncOf(func(this js.Value, args []js.Value) any { f(args[0]); return nil })
		d.funcs = append(d.funcs, fn)
		target.Call("addEventListener", event, fn, map[string]any{"capture": true, "passive": false})
	}
	for p, slot := range in.slots {
		listen(slot, "pointerdown", func(e js.Value) {
			if e.Get("pointerType").String() == "mouse" && e.Get("button").Int() != 0 {
				return // only the main button draws
			}
			e.Call("preventDefault") // no text selection, no focus change, no emulated mouse events
			id := e.Get("pointerId").Int()
			// Moves and the release now come to the slot wherever the
			// pointer goes; without capture, they are lost over other
			// elements and outside the window.
			func() {
				defer func() { _ = recover() }() // an already released pointer throws
				slot.Call("setPointerCapture", id)
			}()
			in.push(pad.Event{Kind: pad.Press, Pointer: id, Pad: p, At: in.toFrame(p, e)})
		})
	}
	// A drag on a pad must draw, not scroll or zoom the page. The pads
	// keep the default touch-action and cancel their touch events instead:
	// with touch-action: none on them, Chrome swallowed the click of a
	// button tapped within about a second after a stroke (Clear did
	// nothing; e2e/pen.test.mjs's phone test).
	for _, slot := range in.slots {
		for _, ev := range []string{"touchstart", "touchmove"} {
			listen(slot, ev, func(e js.Value) {
				if e.Get("cancelable").Bool() {
					e.Call("preventDefault")
				}
			})
		}
	}
	win := d.win
	listen(win, "pointermove", func(e js.Value) {
		down, p := in.downPad()
		if !down {
			return
		}
		id := e.Get("pointerId").Int()
		if e.Get("pointerType").String() == "mouse" && e.Get("buttons").Int()&1 == 0 {
			// The button came up where no release reached the page (a
			// capture refused, another window): the stroke ends here.
			in.push(pad.Event{Kind: pad.Release, Pointer: id})
			return
		}
		// The browser sends at most one move per frame; the positions
		// in between are its coalesced events.
		if c := e.Get("getCoalescedEvents"); c.Type() == js.TypeFunction {
			list := e.Call("getCoalescedEvents")
			if n := list.Length(); n > 0 {
				for i := range n {
					in.push(pad.Event{Kind: pad.Move, Pointer: id, Pad: p, At: in.toFrame(p, list.Index(i))})
				}
				return
			}
		}
		in.push(pad.Event{Kind: pad.Move, Pointer: id, Pad: p, At: in.toFrame(p, e)})
	})
	end := func(kind pad.EventKind) func(e js.Value) {
		return func(e js.Value) {
			in.push(pad.Event{Kind: kind, Pointer: e.Get("pointerId").Int()})
		}
	}
	listen(win, "pointerup", end(pad.Release))
	listen(win, "pointercancel", end(pad.Cancel))
	for _, slot := range in.slots {
		listen(slot, "lostpointercapture", end(pad.Cancel))
	}
}

// requestFrame asks for a frame: ebiten runs the next one (Update, Draw),
// and page.js's gate (window.metaglotFrames) lets ebiten's request for an
// animation frame through to the browser. ebiten asks for one after every
// frame, wanted or not; the gate holds it back until a frame is wanted, so
// an idle page makes the browser produce no frames at all.
func requestFrame() {
	ebiten.ScheduleFrame()
	if gate := js.Global().Get("metaglotFrames"); gate.Truthy() {
		gate.Call("wake")
	}
}

// bindFrames asks for a frame whenever the page moves or changes under the
// canvas without an action of its own: a scroll or a resize moves the
// slots the canvas draws into, a tab shown again may need its canvas
// repainted, and a change of the page's size (fonts loaded, a message
// wrapping) moves them too.
func (d *dom) bindFrames() {
	schedule := js.FuncOf(func(this js.Value, args []js.Value) any { requestFrame(); return nil })
	d.funcs = append(d.funcs, schedule)
	for _, ev := range []string{"scroll", "resize"} {
		d.win.Call("addEventListener", ev, schedule, map[string]any{"capture": true, "passive": true})
	}
	d.doc.Call("addEventListener", "visibilitychange", schedule)
	if ro := js.Global().Get("ResizeObserver"); ro.Truthy() {
		ro.New(schedule).Call("observe", d.doc.Call("getElementById", "app"))
	}
}

// downPad reports whether a pointer holds the pen, counting presses still
// in the queue, and which pad it is on.
func (in *penInput) downPad() (bool, int) { return in.queue.Down(&in.track) }

// push queues an event for the next Update and asks for that Update.
func (in *penInput) push(e pad.Event) {
	in.queue.Push(e)
	requestFrame()
}

// toFrame maps the pointer event e's position onto pad p's 105×105 frame
// (beyond the frame when the pointer is outside the pad).
func (in *penInput) toFrame(p int, e js.Value) pad.Point {
	b := in.slots[p].Call("getBoundingClientRect")
	return pad.FramePoint(e.Get("clientX").Float(), e.Get("clientY").Float(),
		b.Get("left").Float(), b.Get("top").Float(), b.Get("width").Float(), b.Get("height").Float())
}

// applyPen applies the queued events to the state, in order.
func (g *Game) applyPen() {
	in := &g.in
	for _, e := range in.queue.Take() {
		act, p := in.track.Apply(e)
		switch act {
		case pad.Begin:
			g.last = app.Pad(p)
			g.st.PenDown(app.Pad(p), e.At)
		case pad.Extend:
			g.st.PenMove(app.Pad(p), e.At)
		case pad.End:
			g.st.PenUp(app.Pad(p))
		}
	}
}

// pending reports whether pointer events wait for an Update.
func (in *penInput) pending() bool { return in.queue.Pending() }

// paintInk redraws the ink canvas and the preview of each pad whose
// drawing or size changed.
func (g *Game) paintInk() {
	in := &g.in
	for p := range in.ink {
		cv := in.ink[p]
		if !cv.Truthy() {
			continue
		}
		ap := app.Pad(p)
		strokes := g.st.Pad(ap).Strokes()
		k := inkKey{strokes: len(strokes)}
		for _, s := range strokes {
			k.points += len(s)
		}
		if len(strokes) > 0 {
			s := strokes[len(strokes)-1]
			k.first, k.last = s[0], s[len(s)-1]
		}
		if ap == app.QueryPad && g.st.QueryImage != nil {
			k.queryImage = &g.st.QueryImage[0]
		}
		r := g.lay.pads[p]
		size := int(math.Round(r.W * g.scale))
		if k != in.prevKey[p] {
			in.prevKey[p] = k
			// What app.State.Preview shows (classes.Render28), with the
			// frame's raster kept up to date stroke by stroke.
			if k.queryImage != nil {
				copy(g.buf28, g.st.QueryImage)
			} else {
				if in.frame[p] == nil {
					in.frame[p] = pad.NewInk(g.st.Pen, pad.FrameSize)
				}
				ink, _ := in.frame[p].Draw(strokes, g.st.Pad(ap).Drawing())
				preprocess.Resize28(ink, pad.FrameSize, pad.FrameSize, g.buf28)
			}
			g.putInk(in.preview[p], g.buf28, preprocess.Size, image.Rect(0, 0, preprocess.Size, preprocess.Size), true)
		}
		k.size = size
		if k == in.inkKey[p] || size <= 0 {
			continue
		}
		in.inkKey[p] = k
		if in.raster[p] == nil || in.raster[p].Size() != size {
			in.raster[p] = pad.NewInk(g.st.Pen, size)
		}
		ink, changed := in.raster[p].Draw(strokes, g.st.Pad(ap).Drawing())
		g.putInk(cv, ink, size, changed, false)
	}
}

// putInk shows the rectangle r of a size×size ink raster in canvas cv
// (resized to size×size first if need be, which repaints it whole): ink
// colour with the ink's coverage as alpha over transparency, or on paper
// when opaque.
func (g *Game) putInk(cv js.Value, ink []float32, size int, r image.Rectangle, opaque bool) {
	if cv.Get("width").Int() != size || cv.Get("height").Int() != size {
		cv.Set("width", size)
		cv.Set("height", size)
		r = image.Rect(0, 0, size, size)
	}
	r = r.Intersect(image.Rect(0, 0, size, size))
	if r.Empty() {
		return
	}
	w, h := r.Dx(), r.Dy()
	n := 4 * w * h
	if cap(g.in.rgba) < n {
		g.in.rgba = make([]byte, n)
	}
	px := g.in.rgba[:n]
	for y := range h {
		row := ink[(r.Min.Y+y)*size+r.Min.X : (r.Min.Y+y)*size+r.Max.X]
		paintInk(px[4*w*y:4*w*(y+1)], row, g.th.ink, g.th.paper, opaque)
	}
	arr := js.Global().Get("Uint8ClampedArray").New(n)
	js.CopyBytesToJS(arr, px)
	cv.Call("getContext", "2d").Call("putImageData", js.Global().Get("ImageData").New(arr, w, h), r.Min.X, r.Min.Y)
}
