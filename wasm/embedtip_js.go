package main

import (
	"image"
	"math"
	"syscall/js"

	"metaglot/wasm/trainer/protocol"
	"metaglot/wasm/trainview"
)

// bindEmbedTip makes the Train view's embedding view answer a hover or a
// tap: the point under the pointer is described below the view, with its
// drawing (trainview.PointAt, PointInfo).
func (d *dom) bindEmbedTip(g *Game) {
	slot := d.doc.Call("getElementById", "slot-embedding")
	tip, text, pic := d.doc.Call("getElementById", "embed-tip"), d.doc.Call("getElementById", "embed-tip-text"), d.doc.Call("getElementById", "embed-tip-img")
	if !slot.Truthy() || !tip.Truthy() || !text.Truthy() || !pic.Truthy() {
		return
	}
	show := func(g *Game, e js.Value) {
		s := g.train.v.Snapshot
		b, scale := embedBounds(slot, g.scale)
		r := slot.Call("getBoundingClientRect")
		x := (e.Get("clientX").Float() - r.Get("left").Float()) * scale
		y := (e.Get("clientY").Float() - r.Get("top").Float()) * scale
		i := trainview.PointAt(b, s, scale, x, y)
		if i < 0 {
			return // the last point described stays, for a tap beside a point
		}
		t, img, j := trainview.PointInfo(s, i)
		if p := s.Points[i]; p.Kind == protocol.UserPoint {
			if f := g.st.ExampleImage(p.Class, j); f != nil {
				img = make([]byte, len(f))
				for k, v := range f {
					img[k] = byte(min(max(v, 0), 1)*255 + 0.5)
				}
			}
		}
		setText(text, t)
		tip.Set("hidden", false)
		tip.Call("setAttribute", "data-point", i)
		pic.Set("hidden", img == nil)
		if img != nil {
			rgba := make([]byte, 4*len(img))
			for k, v := range img {
				c := 255 - v // ink dark on paper
				rgba[4*k], rgba[4*k+1], rgba[4*k+2], rgba[4*k+3] = c, c, c, 255
			}
			arr := js.Global().Get("Uint8ClampedArray").New(len(rgba))
			js.CopyBytesToJS(arr, rgba)
			pic.Call("getContext", "2d").Call("putImageData", js.Global().Get("ImageData").New(arr, 28, 28), 0, 0)
		}
	}
	d.on("slot-embedding", "pointermove", show)
	d.on("slot-embedding", "pointerdown", show)
}

// embedBounds returns the embedding view's picture rectangle in device
// pixels, as the Train view paints it, and the scale.
func embedBounds(slot js.Value, scale float64) (image.Rectangle, float64) {
	r := slot.Call("getBoundingClientRect")
	w, h := int(math.Round(r.Get("width").Float()*scale)), int(math.Round(r.Get("height").Float()*scale))
	return image.Rect(0, 0, w, h), scale
}

// embedPoints lists where the embedding view draws its points, in CSS
// pixels from the view's top left corner, with their kind and class
// (window.metaglot.embedding, for tests).
func embedPoints(g *Game, slot js.Value) any {
	s := g.train.v.Snapshot
	if s == nil || !slot.Truthy() {
		return nil
	}
	b, scale := embedBounds(slot, g.scale)
	l := trainview.NewEmbeddingLayout(b, s, scale)
	out := make([]any, len(s.Points))
	for i, p := range s.Points {
		x, y := l.At(p)
		out[i] = map[string]any{"x": x / scale, "y": y / scale, "kind": int(p.Kind), "class": p.Class}
	}
	return out
}
