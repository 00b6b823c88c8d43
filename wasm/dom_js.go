package main

import (
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"strconv"
	"syscall/js"

	"metaglot/core/algo"
	"metaglot/wasm/app"
	"metaglot/wasm/browser"
)

// thumbEl is a thumbnail slot element of the class list or the held-out
// strip.
type thumbEl struct {
	el           js.Value
	class, index int
}

// dom is the page's HTML side: it forwards events as actions to the next
// Update (this file), shows the state after it (render_js.go) and moves
// files in and out (files_js.go). Every decision is app.State's.
type dom struct {
	doc, win js.Value
	actions  chan func(*Game)
	funcs    []js.Func // kept for the life of the page
	el       map[string]js.Value

	thumbEls []thumbEl

	renderedVersion int
	renderedKey     string
	innerShown      string // the inner settings last written to their fields
	// challengerLoading is set while the challenge's model is fetched.
	challengerLoading bool
	choicesFor        string // the challenge question the choices were built for
	weightsReady      bool
	ready             bool
	readyMs           float64
	startMs           float64 // performance.now() when main started
	weightsMs         float64 // performance.now() when the weights were in
	firstDrawMs       float64 // performance.now() of the first frame
	secondDrawMs      float64 // … and of the second: the first is on screen
	lastDrawMs        float64
	rng               *rand.Rand

	storage browser.Storage
}

// ids of the static elements of index.html that the code uses.
func elementIDs() []string {
	return []string{"status", "weights", "hint", "message", "class-list", "bars", "algorithm",
		"slot-draw", "slot-query", "preview-draw", "preview-query", "held-out", "held-out-box",
		"query-label", "adapt-progress", "try-n", "try-k", "import-file", "class-count", "my-classes", "classify-time", "familiar", "weights-discard", "try-protocol", "challenge-box", "challenge-start", "challenge-text", "challenge-next", "challenge-choices",
		"try-run", "try-run-label", "try-n-label", "try-k-label",
		"inner-box", "inner-steps", "inner-lr", "inner-view", "loss-chart", "loss-line", "loss-caption", "bars-before", "after-label", "head-note", "bn-note", "undo-box", "undo-text", "query-file"}
}

func newDOM(seed uint64) (*dom, error) {
	d := &dom{doc: js.Global().Get("document"), win: js.Global(), actions: make(chan func(*Game), 1024),
		el: map[string]js.Value{}, renderedVersion: -1, rng: rand.New(rand.NewPCG(seed, 0x6d657461))}
	for _, id := range elementIDs() {
		e := d.doc.Call("getElementById", id)
		if !e.Truthy() {
			return nil, fmt.Errorf("page: index.html has no element #%s", id)
		}
		d.el[id] = e
	}
	d.storage = browser.LocalStorage()
	return d, nil
}

// do queues an action for the next Update, and asks for that Update (the
// page only runs frames when asked: see Game).
func (d *dom) do(f func(*Game)) {
	select {
	case d.actions <- f:
	default: // a flood of events: drop rather than block the browser
	}
	requestFrame()
}

func (d *dom) runActions(g *Game) {
	for {
		select {
		case f := <-d.actions:
			f(g)
		default:
			return
		}
	}
}

// on adds a listener to the element with the given id (or to document for
// id == "") that queues an action.
func (d *dom) on(id, event string, f func(g *Game, e js.Value)) {
	target := d.doc
	if id != "" {
		target = d.doc.Call("getElementById", id)
	}
	fn := js.FuncOf(func(this js.Value, args []js.Value) any {
		e := args[0]
		d.do(func(g *Game) { f(g, e) })
		return nil
	})
	d.funcs = append(d.funcs, fn)
	target.Call("addEventListener", event, fn)
}

// showRunMenu shows the run menu for Lake's 20 runs (whose classes and
// examples are fixed, 20 and 1: their menus are hidden), else those menus.
func (d *dom) showRunMenu() {
	runs := d.value("try-protocol") == app.LakeRuns
	d.el["try-run-label"].Set("hidden", !runs)
	d.el["try-n-label"].Set("hidden", runs)
	d.el["try-k-label"].Set("hidden", runs)
}

// value returns the value of the form control with the given id.
func (d *dom) value(id string) string { return d.el[id].Get("value").String() }

// bind wires every control of the page. The algorithm menu holds the
// start algorithm until the page is ready (see drawn).
func (d *dom) bind() {
	if s, err := algo.Lookup(app.StartAlgorithm); err == nil {
		d.fillAlgorithms([]algo.Spec{s}, s.Name)
	}
	click := func(id string, f func(g *Game)) { d.on(id, "click", func(g *Game, _ js.Value) { f(g) }) }
	click("add-class", func(g *Game) { g.st.AddClass() })
	click("add-example", func(g *Game) { g.st.AddExample() })
	click("draw-undo", func(g *Game) { g.st.Undo(app.DrawPad) })
	click("draw-clear", func(g *Game) { g.st.Clear(app.DrawPad) })
	click("query-undo", func(g *Game) { g.st.Undo(app.QueryPad) })
	click("query-clear", func(g *Game) { g.st.Clear(app.QueryPad) })
	click("draw-png", func(g *Game) { offer(g.st.ExportPad(app.DrawPad)) })
	click("query-png", func(g *Game) { offer(g.st.ExportPad(app.QueryPad)) })
	click("export-json", func(g *Game) { offer(g.st.ExportClasses(), true) })
	click("try-omniglot", d.tryOmniglot)
	for _, c := range app.LakeRunChoices() {
		d.el["try-run"].Call("appendChild", d.create("option", "value", c.Value, "text", c.Label))
	}
	d.on("try-protocol", "change", func(g *Game, _ js.Value) { d.showRunMenu() })
	d.showRunMenu() // a protocol the browser kept across a reload
	click("my-classes", func(g *Game) { g.st.MyClasses(d.storage) })
	click("undo-delete", func(g *Game) { g.st.UndoDelete() })
	click("challenge-start", func(g *Game) {
		if err := g.st.StartChallenge(rand.New(rand.NewPCG(d.rng.Uint64(), 1))); err != nil {
			g.st.Message = err.Error()
		}
	})
	click("challenge-next", func(g *Game) { g.st.NextDrawing() })
	d.on("challenge-choices", "click", func(g *Game, e js.Value) {
		if t := e.Get("target").Call("closest", "[data-class]"); t.Truthy() {
			if err := g.st.Answer(atoi(t.Call("getAttribute", "data-class").String())); err != nil {
				g.st.Message = err.Error()
			}
		}
	})
	click("weights-discard", func(g *Game) {
		if a := g.st.Algorithm; g.st.DiscardTrained(d.storage, a) {
			go loadBundled(d, a)
		}
	})
	d.on("algorithm", "change", func(g *Game, e js.Value) {
		a := e.Get("target").Get("value").String()
		if g.st.NeedWeights(a) {
			go loadBundled(d, a)
		}
		g.st.SetAlgorithm(a)
	})
	d.on("import-file", "change", func(g *Game, e js.Value) { d.importFile(e.Get("target")) })
	// The inner steps and learning rate of FOMAML and Reptile: either field
	// changed applies both, or, if refused, puts back the ones in use.
	for _, id := range []string{"inner-steps", "inner-lr"} {
		d.on(id, "change", func(g *Game, e js.Value) {
			if !g.st.SetInner(d.value("inner-steps"), d.value("inner-lr")) {
				d.innerShown = ""
			}
		})
	}

	// The class list and the held-out strip are rebuilt by render; their
	// events are delegated.
	d.on("class-list", "click", func(g *Game, e js.Value) {
		t := e.Get("target").Call("closest", "[data-action]")
		if !t.Truthy() {
			return
		}
		i := atoi(t.Call("getAttribute", "data-class").String())
		switch t.Call("getAttribute", "data-action").String() {
		case "select":
			g.st.Select(i)
		case "delete-class":
			g.st.DeleteClass(i)
		case "delete-example":
			g.st.DeleteExample(i, atoi(t.Call("getAttribute", "data-index").String()))
		case "png-class":
			offer(g.st.ExportClass(i))
		}
	})
	d.on("class-list", "change", func(g *Game, e js.Value) {
		t := e.Get("target")
		if t.Call("hasAttribute", "data-rename").Bool() {
			g.st.RenameClass(atoi(t.Call("getAttribute", "data-class").String()), t.Get("value").String())
		}
	})
	d.on("held-out", "click", func(g *Game, e js.Value) {
		t := e.Get("target").Call("closest", "[data-held]")
		if t.Truthy() {
			g.st.PickHeldOut(atoi(t.Call("getAttribute", "data-held").String()))
		}
	})

	d.bindImageFiles()
	d.guardCanvas()
}

// guardCanvas sits between the browser and ebiten's canvas listeners.
// ebiten prevents the default action of every key, wheel and touch event
// on its canvas; here the canvas lies under the whole page, so that would
// stop scrolling and trap the Tab key. And every input event ebiten sees
// makes it run and present a frame of the whole window, even in
// FPSModeVsyncOffMinimum. The pen reaches the pads through pointer events
// on their slots (pen_js.go), never through ebiten, so capture-phase
// listeners on window keep every wheel, key, mouse, pointer and touch event
// aimed at the canvas from ebiten (the keys run the page's shortcuts).
func (d *dom) guardCanvas() {
	canvas := d.doc.Call("querySelector", "body > canvas")
	if canvas.Truthy() {
		canvas.Call("setAttribute", "tabindex", "-1")
		canvas.Call("setAttribute", "aria-hidden", "true")
		canvas.Set("id", "ebiten-canvas")
	}
	listen := func(event string, f func(e js.Value)) {
		fn := js.FuncOf(func(this js.Value, args []js.Value) any { f(args[0]); return nil })
		d.funcs = append(d.funcs, fn)
		d.win.Call("addEventListener", event, fn, map[string]any{"capture": true, "passive": false})
	}
	onCanvas := func(e js.Value) bool { return canvas.Truthy() && e.Get("target").Equal(canvas) }
	listen("keydown", func(e js.Value) {
		if onCanvas(e) {
			e.Call("stopPropagation")
		}
		d.shortcut(e)
	})
	for _, ev := range []string{"keyup", "wheel", "mousedown", "mouseup", "mousemove", "contextmenu",
		"touchstart", "touchmove", "touchend", "touchcancel"} {
		listen(ev, func(e js.Value) {
			if onCanvas(e) {
				e.Call("stopPropagation") // ebiten never knows; the browser scrolls, selects, ...
			}
		})
	}
}

// shortcut applies the page's keyboard shortcuts (app.State.Key), except
// in the Train view and while the user types in a field or presses a
// button.
func (d *dom) shortcut(e js.Value) {
	tag := e.Get("target").Get("tagName").String()
	key := e.Get("key").String()
	if d.doc.Call("getElementById", "view-classify").Get("hidden").Bool() { // the Train view is shown
		return
	}
	if tag == "INPUT" || tag == "SELECT" || tag == "TEXTAREA" || (tag == "BUTTON" && (key == "Enter" || key == " ")) {
		return
	}
	ctrl := e.Get("ctrlKey").Bool() || e.Get("metaKey").Bool()
	if e.Get("altKey").Bool() || !app.IsShortcut(key, ctrl) {
		return
	}
	e.Call("preventDefault")
	d.do(func(g *Game) { g.st.Key(key, ctrl, g.last) })
}

// atoi reads the number of a data- attribute the page wrote itself, or −1.
func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// readLayout reads the slots' rectangles (CSS pixels of the viewport).
func (d *dom) readLayout() layout {
	var l layout
	l.pads[app.DrawPad] = d.rectOf(d.el["slot-draw"])
	l.pads[app.QueryPad] = d.rectOf(d.el["slot-query"])
	l.previews[app.DrawPad] = d.rectOf(d.el["preview-draw"])
	l.previews[app.QueryPad] = d.rectOf(d.el["preview-query"])
	for _, t := range d.thumbEls {
		l.thumbs = append(l.thumbs, thumb{r: d.rectOf(t.el), class: t.class, index: t.index})
	}
	return l
}

// rectOf returns el's border box, or an empty rect when it is not shown.
func (d *dom) rectOf(el js.Value) rect {
	b := el.Call("getBoundingClientRect")
	r := rect{b.Get("left").Float(), b.Get("top").Float(), b.Get("width").Float(), b.Get("height").Float()}
	if r.W <= 0 || r.H <= 0 {
		return rect{}
	}
	return r
}

// drawn is called after every Draw: the first frame drawn with weights in
// place makes the page ready.
func (d *dom) drawn(g *Game) {
	d.lastDrawMs = browser.Now()
	switch {
	case d.firstDrawMs == 0:
		d.firstDrawMs = d.lastDrawMs
	case d.secondDrawMs == 0:
		d.secondDrawMs = d.lastDrawMs
	}
	if !d.ready && d.weightsReady {
		// page.js starts the program with GOGC=off: nothing is collected
		// until the first view is up.
		debug.SetGCPercent(100)
		d.ready = true
		d.readyMs = d.lastDrawMs
		d.renderedKey = ""
		d.doc.Get("body").Call("setAttribute", "data-ready", "true")
		// The whole algorithm menu, now that the first view is up
		// (app.Algorithms costs a little the first time).
		d.do(func(g *Game) { d.fillAlgorithms(app.Algorithms(), g.st.Algorithm) }) // and shows "Ready." in the next Update
	}
}
