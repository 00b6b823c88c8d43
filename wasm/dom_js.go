package main

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall/js"

	"metaglot/core/omniglot"
	"metaglot/core/preprocess"
	"metaglot/wasm/app"
	"metaglot/wasm/classes"
	"metaglot/wasm/classify"
	"metaglot/wasm/pad"
)

// thumbEl is a thumbnail slot element of the class list or the held-out
// strip.
type thumbEl struct {
	el           js.Value
	class, index int
}

// dom is the page's HTML side: it forwards events as actions to the next
// Update and shows the state after it.
type dom struct {
	doc, win js.Value
	actions  chan func(*Game)
	funcs    []js.Func // kept for the life of the page
	el       map[string]js.Value

	thumbEls []thumbEl

	renderedVersion int
	renderedKey     string
	innerShown      string // the inner settings last written to their fields
	savedVersion    int
	weightsReady    bool
	ready           bool
	readyMs         float64
	startMs         float64 // performance.now() when main started
	weightsMs       float64 // performance.now() when the weights were in
	firstDrawMs     float64 // performance.now() of the first frame
	secondDrawMs    float64 // … and of the second: the first is on screen
	lastDrawMs      float64
	rng             *rand.Rand

	// Omniglot assets, fetched on the first "Try Omniglot".
	ix      *omniglot.Index
	ds      *omniglot.Dataset
	trying  bool
	loading map[string]bool // weights being fetched, by algorithm
	demo    bool            // the classes are a Try Omniglot set: not saved
	storage js.Value
}

// ids of the static elements of index.html that the code uses.
func elementIDs() []string {
	return []string{"status", "weights", "hint", "message", "class-list", "bars", "algorithm",
		"slot-draw", "slot-query", "preview-draw", "preview-query", "held-out", "held-out-box",
		"query-label", "adapt-progress", "try-n", "try-k", "import-file", "class-count", "my-classes", "classify-time",
		"inner-box", "inner-steps", "inner-lr", "inner-view", "loss-chart", "loss-line", "loss-caption", "bars-before", "after-label"}
}

func newDOM(seed uint64) (*dom, error) {
	d := &dom{doc: js.Global().Get("document"), win: js.Global(), actions: make(chan func(*Game), 1024),
		el: map[string]js.Value{}, loading: map[string]bool{}, renderedVersion: -1, savedVersion: -1, rng: rand.New(rand.NewPCG(seed, 0x6d657461))}
	for _, id := range elementIDs() {
		e := d.doc.Call("getElementById", id)
		if !e.Truthy() {
			return nil, fmt.Errorf("page: index.html has no element #%s", id)
		}
		d.el[id] = e
	}
	d.storage = d.localStorage()
	return d, nil
}

// localStorage returns window.localStorage, or undefined where it is
// refused (some private modes throw on access).
func (d *dom) localStorage() (v js.Value) {
	defer func() {
		if recover() != nil {
			v = js.Undefined()
		}
	}()
	return d.win.Get("localStorage")
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

// bind wires every control of the page.
func (d *dom) bind() {
	click := func(id string, f func(g *Game)) { d.on(id, "click", func(g *Game, _ js.Value) { f(g) }) }
	click("add-class", func(g *Game) { g.st.AddClass() })
	click("add-example", func(g *Game) { g.st.AddExample() })
	click("draw-undo", func(g *Game) { g.st.Undo(app.DrawPad) })
	click("draw-clear", func(g *Game) { g.st.Clear(app.DrawPad) })
	click("query-undo", func(g *Game) { g.st.Undo(app.QueryPad) })
	click("query-clear", func(g *Game) { g.st.Clear(app.QueryPad) })
	click("draw-png", func(g *Game) { d.exportPNG(g, app.DrawPad) })
	click("query-png", func(g *Game) { d.exportPNG(g, app.QueryPad) })
	click("export-json", func(g *Game) {
		d.download("metaglot-classes.json", "application/json", g.st.Saved())
		g.st.Message = fmt.Sprintf("Exported %d classes.", g.st.Classes.Len())
	})
	click("try-omniglot", d.tryOmniglot)
	click("my-classes", d.myClasses)
	d.on("algorithm", "change", func(g *Game, e js.Value) {
		a := e.Get("target").Get("value").String()
		_, have := g.st.Classifiers[a]
		_, failed := g.st.Unavailable[a]
		if !have && !failed && !d.loading[a] && a != "protonet" {
			d.loading[a] = true
			go loadFineTuner(d, a)
		}
		g.st.SetAlgorithm(a)
	})
	d.on("import-file", "change", func(g *Game, e js.Value) { d.importFile(e.Get("target")) })
	// The inner steps and learning rate of FOMAML and Reptile: either field
	// changed applies both, or, if refused, puts back the ones in use.
	for _, id := range []string{"inner-steps", "inner-lr"} {
		d.on(id, "change", func(g *Game, e js.Value) {
			if !g.st.SetInner(d.el["inner-steps"].Get("value").String(), d.el["inner-lr"].Get("value").String()) {
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
			d.exportClassPNG(g, i)
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

// shortcut applies the page's keyboard shortcuts (see app.State.Key),
// except while the user types in a field or presses a button.
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
	if e.Get("altKey").Bool() || !isShortcut(key, ctrl) {
		return
	}
	e.Call("preventDefault")
	d.do(func(g *Game) { g.st.Key(key, ctrl, g.last) })
}

// isShortcut mirrors app.State.Key's table, to prevent only those keys'
// default actions.
func isShortcut(key string, ctrl bool) bool {
	if ctrl {
		return key == "z" || key == "Z"
	}
	return key == "Delete" || key == "Backspace" || key == "Enter" || (len(key) == 1 && key[0] >= '1' && key[0] <= '9')
}

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

// render shows the state in the HTML: the class list when the classes
// changed, the texts and bars when they changed, and saves the classes.
func (d *dom) render(g *Game) {
	st := g.st
	if st.Version != d.renderedVersion {
		d.renderClasses(st)
		d.renderHeldOut(st)
		d.renderedVersion = st.Version
		d.save(st)
	}
	key := fmt.Sprint(st.Hint, "\x00", st.Message, st.Adapting, st.AdaptDone, "\x00", st.Classifications, st.HaveResult, st.Algorithm, st.QueryLabel, st.WeightsNote, d.ready, st.Version, len(st.AdaptLosses), d.innerShown)
	if key == d.renderedKey {
		return
	}
	d.renderedKey = key
	setText(d.el["hint"], st.Hint)
	setText(d.el["message"], st.Message)
	setText(d.el["weights"], st.WeightsNote)
	setText(d.el["query-label"], st.QueryLabel)
	prog := d.el["adapt-progress"]
	prog.Set("hidden", !st.Adapting)
	if st.Adapting {
		prog.Set("max", st.AdaptTotal)
		prog.Set("value", st.AdaptDone)
	}
	if d.el["algorithm"].Get("value").String() != st.Algorithm {
		d.el["algorithm"].Set("value", st.Algorithm)
	}
	if st.HaveResult {
		t := fmt.Sprintf("classified in %.1f ms", float64(st.ClassifyTime.Microseconds())/1000)
		if st.Algorithm != "protonet" && st.AdaptTime > 0 {
			t += fmt.Sprintf(" after adapting for %.2f s (%d steps, one per frame)", st.AdaptTime.Seconds(), st.AdaptTotal)
		}
		setText(d.el["classify-time"], t)
	} else {
		setText(d.el["classify-time"], "")
	}
	d.renderInner(st)
	status := "Loading the network…"
	if d.ready {
		status = "Ready."
	}
	setText(d.el["status"], status)
	d.renderBars(st)
}

func setText(el js.Value, s string) {
	if el.Get("textContent").String() != s {
		el.Set("textContent", s)
	}
}

// create makes an element with attributes given as name, value pairs.
func (d *dom) create(tag string, attrs ...string) js.Value {
	e := d.doc.Call("createElement", tag)
	for i := 0; i+1 < len(attrs); i += 2 {
		if attrs[i] == "text" {
			e.Set("textContent", attrs[i+1])
			continue
		}
		e.Call("setAttribute", attrs[i], attrs[i+1])
	}
	return e
}

func (d *dom) renderClasses(st *app.State) {
	list := d.el["class-list"]
	// Keep the focus on the same control across the rebuild.
	focus := ""
	if a := d.doc.Get("activeElement"); a.Truthy() && list.Call("contains", a).Bool() {
		focus = a.Call("getAttribute", "data-focus-key").String()
	}
	list.Set("textContent", "")
	d.thumbEls = d.thumbEls[:0]
	for i := range st.Classes.Len() {
		c := st.Classes.Class(i)
		ci := strconv.Itoa(i)
		li := d.create("li", "class", "class-card", "data-name", c.Name)
		if i == st.Selected {
			li.Call("setAttribute", "aria-current", "true")
		}
		row := d.create("div", "class", "class-row")
		num := "select class " + c.Name
		if i < 9 {
			num += " (key " + strconv.Itoa(i+1) + ")"
		}
		sel := d.create("button", "type", "button", "class", "select", "data-action", "select", "data-class", ci,
			"aria-pressed", strconv.FormatBool(i == st.Selected), "aria-label", num, "data-focus-key", "sel"+ci, "text", strconv.Itoa(i+1))
		name := d.create("input", "type", "text", "data-rename", "", "data-class", ci, "maxlength", "40",
			"aria-label", "Name of class "+strconv.Itoa(i+1), "data-focus-key", "name"+ci)
		name.Set("value", c.Name)
		count := d.create("span", "class", "count", "text", plural(len(c.Examples), "example"))
		png := d.create("button", "type", "button", "data-action", "png-class", "data-class", ci,
			"aria-label", "Save the examples of "+c.Name+" as PNG", "title", "Save the examples as one PNG", "data-focus-key", "png"+ci, "text", "PNG")
		del := d.create("button", "type", "button", "class", "danger", "data-action", "delete-class", "data-class", ci,
			"aria-label", "Delete class "+c.Name, "data-focus-key", "del"+ci, "text", "Delete")
		for _, e := range []js.Value{sel, name, count, png, del} {
			row.Call("appendChild", e)
		}
		li.Call("appendChild", row)
		thumbs := d.create("div", "class", "thumbs")
		for j := range c.Examples {
			lbl := fmt.Sprintf("Delete example %d of %s", j+1, c.Name)
			b := d.create("button", "type", "button", "class", "thumb", "data-action", "delete-example", "data-class", ci,
				"data-index", strconv.Itoa(j), "aria-label", lbl, "title", lbl, "data-focus-key", fmt.Sprintf("ex%d-%d", i, j))
			thumbs.Call("appendChild", b)
			d.thumbEls = append(d.thumbEls, thumbEl{el: b, class: i, index: j})
		}
		li.Call("appendChild", thumbs)
		list.Call("appendChild", li)
	}
	setText(d.el["class-count"], fmt.Sprintf("%d of 20", st.Classes.Len()))
	if focus != "" {
		if e := list.Call("querySelector", `[data-focus-key="`+focus+`"]`); e.Truthy() {
			e.Call("focus")
		}
	}
}

func (d *dom) renderHeldOut(st *app.State) {
	box := d.el["held-out"]
	box.Set("textContent", "")
	d.el["held-out-box"].Set("hidden", len(st.Omniglot) == 0)
	d.el["my-classes"].Set("hidden", !d.demo)
	for i, h := range st.Omniglot {
		b := d.create("button", "type", "button", "class", "thumb", "data-held", strconv.Itoa(i),
			"aria-label", "Classify the real drawing "+h.Label, "title", h.Label)
		box.Call("appendChild", b)
		d.thumbEls = append(d.thumbEls, thumbEl{el: b, class: -1, index: i})
	}
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// renderInner shows FOMAML's and Reptile's inner loop: the fields with
// its settings, the support loss at each step so far, and the query's
// probabilities before adaptation above those after (the #bars: after the
// steps done so far while they run, app.State.AfterProbs).
func (d *dom) renderInner(st *app.State) {
	t := st.Tuner()
	d.el["inner-box"].Set("hidden", t == nil)
	d.el["inner-view"].Set("hidden", t == nil || (len(st.AdaptLosses) == 0 && !st.HaveResult))
	if t == nil {
		return
	}
	steps, lr := t.Inner()
	if shown := fmt.Sprint(steps, " ", lr); shown != d.innerShown {
		d.innerShown = shown
		ds, dlr := t.DefaultInner()
		d.el["inner-steps"].Set("value", strconv.Itoa(steps))
		d.el["inner-lr"].Set("value", strconv.FormatFloat(lr, 'g', -1, 64))
		d.el["inner-steps"].Call("setAttribute", "title", fmt.Sprintf("SGD steps on the support set, 0 to %d (the model's own: %d)", classify.MaxInnerSteps, ds))
		d.el["inner-lr"].Call("setAttribute", "title", fmt.Sprintf("their learning rate (the model's own: %g)", dlr))
	}
	d.el["loss-line"].Call("setAttribute", "points", app.LossPoints(st.AdaptLosses, 240, 48))
	caption := ""
	if n := len(st.AdaptLosses); n > 0 {
		caption = fmt.Sprintf("support loss at each inner step: %.3f at step 1, %.3f at step %d", st.AdaptLosses[0], st.AdaptLosses[n-1], n)
	}
	setText(d.el["loss-caption"], caption)
	setText(d.el["after-label"], st.AfterLabel())
	before := d.el["bars-before"]
	before.Set("textContent", "")
	if b := st.BeforeProbs(); b != nil {
		d.fillBars(before, st, b, -1)
	}
}

func (d *dom) renderBars(st *app.State) {
	bars := d.el["bars"]
	bars.Set("textContent", "")
	switch {
	case st.HaveResult:
		d.fillBars(bars, st, st.Result.Probs, st.Result.Best)
	case st.AfterProbs() != nil:
		d.fillBars(bars, st, st.AfterProbs(), -1)
	}
}

// fillBars appends a bar per class of probs to the list bars, the best one
// (unless −1) highlighted.
func (d *dom) fillBars(bars js.Value, st *app.State, probs []float64, best int) {
	for i, p := range probs {
		name := st.Classes.Class(i).Name
		li := d.create("li", "class", "bar-row", "data-name", name)
		if i == best {
			li.Call("setAttribute", "class", "bar-row best")
			li.Call("setAttribute", "aria-current", "true")
		}
		label := d.create("span", "class", "bar-name", "text", name)
		meter := d.create("div", "class", "bar", "role", "meter", "aria-label", "Probability of "+name,
			"aria-valuemin", "0", "aria-valuemax", "100")
		fill := d.create("div", "class", "fill")
		pct := "no examples"
		if !math.IsNaN(p) {
			pct = fmt.Sprintf("%.1f%%", 100*p)
			meter.Call("setAttribute", "aria-valuenow", fmt.Sprintf("%.1f", 100*p))
			fill.Get("style").Set("width", fmt.Sprintf("%.2f%%", 100*p))
		}
		meter.Call("appendChild", fill)
		li.Call("appendChild", label)
		li.Call("appendChild", meter)
		li.Call("appendChild", d.create("span", "class", "bar-pct", "text", pct))
		bars.Call("appendChild", li)
	}
}

// save writes the classes to localStorage, unless they are a Try Omniglot
// set. A failure (quota, storage refused) is shown; the classes stay.
func (d *dom) save(st *app.State) {
	if d.demo || st.Version == d.savedVersion || !d.ready {
		return
	}
	d.savedVersion = st.Version
	if err := d.storageSet(app.StorageKey, string(st.Saved())); err != nil {
		st.StorageFailed(err)
	}
}

// storageSet calls localStorage.setItem, turning a thrown exception into
// an error.
func (d *dom) storageSet(key, value string) (err error) {
	if !d.storage.Truthy() {
		return errors.New("storage is not available")
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	d.storage.Call("setItem", key, value)
	return nil
}

func (d *dom) storageGet(key string) (s string, ok bool) {
	if !d.storage.Truthy() {
		return "", false
	}
	defer func() {
		if recover() != nil {
			s, ok = "", false
		}
	}()
	v := d.storage.Call("getItem", key)
	if v.IsNull() {
		return "", false
	}
	return v.String(), true
}

// restore loads the stored classes. Unreadable data is copied aside under
// another key (so the next save cannot overwrite it) and reported.
func (d *dom) restore(st *app.State) {
	s, ok := d.storageGet(app.StorageKey)
	if !ok {
		return
	}
	if err := st.Restore([]byte(s)); err != nil {
		aside := app.StorageKey + ".unreadable"
		if e := d.storageSet(aside, s); e == nil {
			st.Message += " A copy is kept under the key " + aside + "."
		}
	}
}

// myClasses leaves a Try Omniglot set and brings back the stored classes.
func (d *dom) myClasses(g *Game) {
	d.demo = false
	g.st.Omniglot = nil
	if s, ok := d.storageGet(app.StorageKey); ok {
		if err := g.st.Restore([]byte(s)); err == nil {
			g.st.Message = "Your classes are back."
			return
		}
	}
	_ = g.st.Restore([]byte(`{"format":"metaglot-classes","version":1,"classes":[]}`))
	g.st.Message = "No stored classes: start by adding one."
}

// drawn is called after every Draw: the first frame drawn with weights in
// place makes the page ready.
func (d *dom) drawn(g *Game) {
	d.lastDrawMs = now()
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
		requestFrame() // to show "Ready." in the next Update
	}
}

// now returns performance.now(), in milliseconds since navigation.
func now() float64 { return js.Global().Get("performance").Call("now").Float() }

// download offers data as a file.
func (d *dom) download(name, mime string, data []byte) {
	arr := js.Global().Get("Uint8Array").New(len(data))
	js.CopyBytesToJS(arr, data)
	blob := js.Global().Get("Blob").New([]any{arr}, map[string]any{"type": mime})
	url := js.Global().Get("URL").Call("createObjectURL", blob)
	a := d.create("a", "href", url.String(), "download", name)
	d.doc.Get("body").Call("appendChild", a)
	a.Call("click")
	a.Call("remove")
	js.Global().Call("setTimeout", js.FuncOf(func(this js.Value, args []js.Value) any {
		js.Global().Get("URL").Call("revokeObjectURL", url)
		return nil
	}), 10000)
}

// exportPNG downloads pad p's drawing as a 105×105 black-on-white PNG (the
// Omniglot frame), or the chosen real 28×28 drawing.
func (d *dom) exportPNG(g *Game, p app.Pad) {
	var img *image.Gray
	switch {
	case p == app.QueryPad && g.st.QueryImage != nil:
		img = grayOf(g.st.QueryImage, preprocess.Size)
	case g.st.Pad(p).Empty():
		g.st.Message = "Nothing to export: the " + p.String() + " pad is empty."
		return
	default:
		ink := make([]float32, pad.FrameSize*pad.FrameSize)
		g.st.Pen.Rasterize(ink, pad.FrameSize, g.st.Pad(p).Strokes())
		img = grayOf(ink, pad.FrameSize)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		g.st.Message = "PNG export failed: " + err.Error()
		return
	}
	d.download("metaglot-"+p.String()+".png", "image/png", buf.Bytes())
	g.st.Message = "Exported the " + p.String() + " drawing as PNG."
}

// exportClassPNG downloads the examples of class i side by side, each in a
// 105×105 frame: drawings as drawn, real 28×28 drawings enlarged.
func (d *dom) exportClassPNG(g *Game, i int) {
	if i < 0 || i >= g.st.Classes.Len() {
		return
	}
	c := g.st.Classes.Class(i)
	if len(c.Examples) == 0 {
		g.st.Message = c.Name + " has no examples to export."
		return
	}
	const f = pad.FrameSize
	sheet := image.NewGray(image.Rect(0, 0, f*len(c.Examples), f))
	ink := make([]float32, f*f)
	for j, e := range c.Examples {
		clear(ink)
		if len(e.Strokes) > 0 {
			g.st.Pen.Rasterize(ink, f, e.Strokes)
		} else {
			for y := range f {
				for x := range f {
					ink[y*f+x] = e.Image[(y*preprocess.Size/f)*preprocess.Size+x*preprocess.Size/f]
				}
			}
		}
		for k, v := range ink {
			sheet.SetGray(j*f+k%f, k/f, color.Gray{Y: uint8(255 - math.Round(float64(min(1, max(0, v)))*255))})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, sheet); err != nil {
		g.st.Message = "PNG export failed: " + err.Error()
		return
	}
	d.download("metaglot-"+strings.ReplaceAll(c.Name, " ", "_")+".png", "image/png", buf.Bytes())
	g.st.Message = fmt.Sprintf("Exported %s as PNG.", plural(len(c.Examples), "example"))
}

func grayOf(ink []float32, size int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, size, size))
	for i, v := range ink {
		img.Set(i%size, i/size, color.Gray{Y: uint8(255 - math.Round(float64(min(1, max(0, v)))*255))})
	}
	return img
}

// importFile reads the chosen classes file and imports it in a later
// Update. A file larger than classes.MaxFileBytes is refused from its
// size, unread.
func (d *dom) importFile(input js.Value) {
	f, name, size, ok := chosenFile(input)
	if !ok {
		return
	}
	if classes.CheckFileSize(size) != nil {
		d.do(func(g *Game) { _ = g.st.CheckImport(name, size) })
		return
	}
	go func() {
		buf, err := await(f.Call("arrayBuffer"))
		d.do(func(g *Game) {
			if err != nil {
				g.st.Message = "Could not read " + name + ": " + err.Error() + ". Your classes are unchanged."
				return
			}
			if g.st.Import(name, bytesOf(buf)) == nil {
				d.demo = false
			}
		})
	}()
}

// chosenFile returns the file chosen in a file input (a File), its name
// and size, and resets the input so that choosing the same file again
// fires again. ok is false when no file is chosen.
func chosenFile(input js.Value) (f js.Value, name string, size int64, ok bool) {
	files := input.Get("files")
	if files.Length() == 0 {
		return js.Undefined(), "", 0, false
	}
	f = files.Index(0)
	name = f.Get("name").String()
	size = int64(f.Get("size").Float())
	input.Set("value", "")
	return f, name, size, true
}

// readBlob reads bytes [start, end) of a File or Blob; call it from a
// goroutine (it awaits a promise).
func readBlob(f js.Value, start, end int64) ([]byte, error) {
	buf, err := await(f.Call("slice", start, end).Call("arrayBuffer"))
	if err != nil {
		return nil, err
	}
	return bytesOf(buf), nil
}

// tryOmniglot fetches the index and one alphabet's sheet (first time
// only), then fills the classes in a later Update.
func (d *dom) tryOmniglot(g *Game) {
	if d.trying {
		return
	}
	n := atoi(d.el["try-n"].Get("value").String())
	k := atoi(d.el["try-k"].Get("value").String())
	d.trying = true
	g.st.Message = "Fetching Omniglot drawings…"
	ix, ds := d.ix, d.ds
	seed := d.rng.Uint64()
	go func() {
		fail := func(err error) {
			d.do(func(g *Game) {
				d.trying = false
				g.st.Message = "Try Omniglot failed: " + err.Error()
			})
		}
		if ix == nil {
			data, err := fetchBytes("assets/omniglot/index.json")
			if err != nil {
				fail(err)
				return
			}
			if ix, err = omniglot.ParseIndex(data); err != nil {
				fail(err)
				return
			}
			ds = omniglot.New(ix)
		}
		rng := rand.New(rand.NewPCG(seed, 1))
		plan, err := app.PlanTry(ix, n, rng)
		if err != nil {
			fail(err)
			return
		}
		if !ds.Loaded(plan.Alphabet) {
			sheet, err := fetchBytes("assets/omniglot/" + plan.File)
			if err != nil {
				fail(err)
				return
			}
			if err := ds.AddAlphabetSheet(plan.Alphabet, sheet); err != nil {
				fail(err)
				return
			}
		}
		d.do(func(g *Game) {
			d.trying = false
			d.ix, d.ds = ix, ds
			d.save(g.st) // the user's classes are in storage before they are replaced
			if err := g.st.Try(ds, plan, k, rng); err != nil {
				g.st.Message = "Try Omniglot failed: " + err.Error()
				return
			}
			d.demo = true
			d.renderedVersion = -1
		})
	}()
}

// await waits for a promise from a goroutine (never from a callback) and
// returns its value or its rejection as an error.
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	ok := js.FuncOf(func(this js.Value, args []js.Value) any {
		ch <- result{v: args[0]}
		return nil
	})
	bad := js.FuncOf(func(this js.Value, args []js.Value) any {
		ch <- result{err: errors.New(js.Global().Get("String").Invoke(args[0]).String())}
		return nil
	})
	defer ok.Release()
	defer bad.Release()
	p.Call("then", ok, bad)
	r := <-ch
	return r.v, r.err
}

func bytesOf(buf js.Value) []byte {
	arr := js.Global().Get("Uint8Array").New(buf)
	b := make([]byte, arr.Length())
	js.CopyBytesToGo(b, arr)
	return b
}

// fetchBytes GETs a URL of the page's origin; a status other than 200 is
// an error naming the URL.
//
// A fetch that page.js started early (window.metaglotPrefetch[url]) is
// used once instead of a new one.
func fetchBytes(url string) ([]byte, error) {
	req := js.Undefined()
	if pre := js.Global().Get("metaglotPrefetch"); pre.Truthy() {
		req = pre.Get(url)
		pre.Delete(url)
	}
	if !req.Truthy() {
		req = js.Global().Call("fetch", url)
	}
	resp, err := await(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %v", url, err)
	}
	if !resp.Get("ok").Bool() {
		return nil, fmt.Errorf("fetch %s: HTTP %d", url, resp.Get("status").Int())
	}
	buf, err := await(resp.Call("arrayBuffer"))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %v", url, err)
	}
	return bytesOf(buf), nil
}

// notFound reports whether err is a fetch error with HTTP 404.
func notFound(err error) bool { return err != nil && strings.HasSuffix(err.Error(), "HTTP 404") }
