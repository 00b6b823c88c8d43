package main

import (
	"fmt"
	"image"
	"math"
	"strconv"
	"syscall/js"

	"metaglot/wasm/app"
	"metaglot/wasm/browser"
	"metaglot/wasm/trainer/protocol"
	"metaglot/wasm/trainview"
)

// Pictures of the Train view, in the order of trainUI's arrays.
const (
	picLoss = iota
	picAcc
	picEpisode
	picEmbedding
	numPics
)

// picIDs are the boxes of the pictures in index.html; each gets a <canvas>
// when the Train view is first shown.
var picIDs = [numPics]string{"slot-loss", "slot-acc", "slot-episode", "slot-embedding"}

// trainUI is the Train view: its state (v, plain Go, package trainview)
// and the browser side. The pictures (the charts, the episode viewer, the
// embedding view) are drawn by trainview into pixel buffers and put into
// <canvas> elements of their own with putImageData, so that a new picture
// repaints only its canvas, not ebiten's full-window canvas.
type trainUI struct {
	v  trainview.View
	js trainJS

	rgba     [numPics]*image.RGBA
	drawn    [numPics]string // what each canvas shows (see picKey)
	canvases [numPics]js.Value
	// text is the pictures' text size (trainview.TextFactor) last drawn.
	text int
}

// picKey sums up what picture i shows at w×h device pixels with text
// size text.
func (t *trainUI) picKey(i, w, h, text int) string {
	var data any
	switch i {
	case picLoss, picAcc:
		data = fmt.Sprint(t.v.History.Steps(), len(t.v.History.Evals))
	default:
		data = fmt.Sprintf("%p", t.v.Snapshot)
	}
	return fmt.Sprint(w, "x", h, "@", text, ":", data)
}

// paint redraws the pictures whose content or size changed. Their text
// grows for a room: Large-text mode (the Learn view's button) or a
// projector-wide window (trainview.TextFactor).
func (t *trainUI) paint(d *dom, scale float64) {
	large := d.doc.Get("body").Get("classList").Call("contains", "learn-big").Bool()
	t.text = trainview.TextFactor(scale, d.win.Get("innerWidth").Float(), large)
	for i, id := range picIDs {
		cv := t.canvases[i]
		if !cv.Truthy() {
			continue // the view has not been shown yet
		}
		r := d.rectOf(t.js.el[id])
		w, h := int(math.Round(r.W*scale)), int(math.Round(r.H*scale))
		if w <= 0 || h <= 0 {
			continue // not shown
		}
		k := t.picKey(i, w, h, t.text)
		if k == t.drawn[i] {
			continue
		}
		t.drawn[i] = k
		if t.rgba[i] == nil || t.rgba[i].Rect.Dx() != w || t.rgba[i].Rect.Dy() != h {
			t.rgba[i] = image.NewRGBA(image.Rect(0, 0, w, h))
			cv.Set("width", w)
			cv.Set("height", h)
		}
		switch i {
		case picLoss:
			trainview.DrawChart(t.rgba[i], &t.v.History, trainview.LossChart, scale, t.text)
		case picAcc:
			trainview.DrawChart(t.rgba[i], &t.v.History, trainview.AccuracyChart, scale, t.text)
		case picEpisode:
			trainview.DrawEpisode(t.rgba[i], t.v.Snapshot, scale)
		case picEmbedding:
			trainview.DrawEmbedding(t.rgba[i], t.v.Snapshot, scale, t.text)
		}
		pix := js.Global().Get("Uint8ClampedArray").New(len(t.rgba[i].Pix))
		js.CopyBytesToJS(pix, t.rgba[i].Pix)
		img := js.Global().Get("ImageData").New(pix, w, h)
		cv.Call("getContext", "2d").Call("putImageData", img, 0, 0)
	}
}

// trainJS is the browser side of the Train view: the Web Worker that
// trains (wasm/worker), the settings form and the buttons.
type trainJS struct {
	worker   js.Value // undefined when the build has no trainer
	el       map[string]js.Value
	form     *trainview.Form
	sent     *trainview.Start    // the run last asked of the worker
	fields   map[string]js.Value // the form's controls, by setting name
	boxes    map[string]js.Value // … and their labels, hidden when they do not apply
	rendered string
	drawings app.Synced // the drawings last sent to the worker
	tab      string
	started  bool
	// wasmBytes is the worker's WebAssembly memory, as last reported.
	wasmBytes float64
	// workers is how many Web Workers runs may train in (the page's
	// workers URL parameter, or the cores less one, at most 4:
	// protocol.PageWorkers); workersUsed how many the last run started
	// uses (its EvState).
	workers, workersUsed int
	workersErr           string // why the workers parameter was not used
}

// trainIDs are the Train view's elements in index.html.
func trainIDs() []string {
	ids := []string{"tab-classify", "tab-train", "view-classify", "view-train", "train-form", "train-preset", "train-fields", "train-error", "train-status",
		"train-start", "train-pause", "train-resume", "train-stop", "train-download", "train-load", "train-use", "train-message", "train-workers"}
	return append(ids, picIDs[:]...)
}

// startTrainer finds the Train view's elements and binds the controls (the
// worker starts when the view is first shown). A page without the
// elements has no Train view.
func (d *dom) startTrainer(g *Game) {
	t := &g.train.js
	t.el = map[string]js.Value{}
	for _, id := range trainIDs() {
		e := d.doc.Call("getElementById", id)
		if !e.Truthy() {
			js.Global().Get("console").Call("error", "page: index.html has no element #"+id+": no Train view")
			return
		}
		t.el[id] = e
	}
	t.tab = "classify"
	d.buildForm(g)
	d.buildWorkers(g)
	d.bindTrain(g)
}

// buildWorkers fills the workers menu (protocol.WorkerOptions) and selects
// the page's number of workers: the workers URL parameter, or the cores
// less one (protocol.PageWorkers). A choice applies from the next run.
func (d *dom) buildWorkers(g *Game) {
	t := &g.train.js
	cores := 1
	if c := js.Global().Get("navigator").Get("hardwareConcurrency"); c.Type() == js.TypeNumber {
		cores = c.Int()
	}
	param := js.Global().Get("URLSearchParams").New(js.Global().Get("location").Get("search")).Call("get", "workers")
	var err error
	if param.Type() == js.TypeString {
		t.workers, err = protocol.PageWorkers(cores, param.String())
	} else {
		t.workers, err = protocol.PageWorkers(cores, "")
	}
	if err != nil {
		t.workersErr = err.Error()
	}
	sel := t.el["train-workers"]
	for _, o := range protocol.WorkerOptions(cores) {
		opt := d.doc.Call("createElement", "option")
		opt.Set("value", strconv.Itoa(o.N))
		opt.Set("textContent", o.Label)
		sel.Call("appendChild", opt)
	}
	sel.Set("value", strconv.Itoa(t.workers))
	d.on("train-workers", "change", func(g *Game, _ js.Value) {
		n, err := protocol.ChooseWorkers(sel.Get("value").String())
		if err != nil {
			g.train.v.Message = err.Error()
			return
		}
		t.workers, t.workersErr = n, ""
		if g.train.v.Busy() {
			g.train.v.Message = fmt.Sprintf("Workers: %d from the next run; this one keeps its own.", n)
		}
	})
}

// startWorker starts the worker, the first time the Train view is shown
// (so that the first view of the page does not pay for the trainer and the
// Omniglot sheets it loads). Its script's URL is window.metaglotWorkerURL,
// set by page.js.
func (d *dom) startWorker(g *Game) {
	t := &g.train.js
	if t.worker.Truthy() || t.started {
		return
	}
	t.started = true
	url := js.Global().Get("metaglotWorkerURL")
	if url.Type() != js.TypeString {
		g.train.v.Message = "This build has no trainer (worker.js is missing)."
		return
	}
	if t.workersErr != "" {
		g.train.v.Message = t.workersErr
	}
	t.worker = js.Global().Get("Worker").New(url)
	fn := js.FuncOf(func(this js.Value, args []js.Value) any {
		data := args[0].Get("data")
		ev, err := protocol.DecodeEvent(data.Get("json").String())
		wasm := data.Get("wasmBytes")
		d.do(func(g *Game) {
			if err != nil {
				g.train.v.Message = err.Error()
				return
			}
			if wasm.Type() == js.TypeNumber {
				g.train.js.wasmBytes = wasm.Float()
			}
			d.trainEvent(g, ev)
		})
		return nil
	})
	d.funcs = append(d.funcs, fn)
	t.worker.Set("onmessage", fn)
	errFn := js.FuncOf(func(this js.Value, args []js.Value) any {
		msg := "The trainer failed to start."
		if m := args[0].Get("message"); m.Type() == js.TypeString {
			msg = "The trainer failed: " + m.String()
		}
		d.do(func(g *Game) { g.train.v.Message = msg })
		return nil
	})
	d.funcs = append(d.funcs, errFn)
	t.worker.Set("onerror", errFn)
}

// post sends a command to the worker; a run's start asks for the page's
// number of workers.
func (t *trainJS) post(c protocol.Command) {
	if c.Type == protocol.CmdStart && c.Workers == 0 {
		c.Workers = t.workers
	}
	if t.worker.Truthy() {
		t.worker.Call("postMessage", protocol.Encode(c))
	}
}

// postBytes sends a command with a binary payload, buf (an ArrayBuffer),
// as {json, bytes}: postMessage transfers buf to the worker instead of
// copying it (it is empty here afterwards), and the worker copies it into
// the command's Data (wasm/worker).
func (t *trainJS) postBytes(c protocol.Command, buf js.Value) {
	if t.worker.Truthy() {
		t.worker.Call("postMessage", map[string]any{"json": protocol.Encode(c), "bytes": buf}, []any{buf})
	}
}

// trainEvent applies a worker event and acts on weights it carries.
func (d *dom) trainEvent(g *Game, ev protocol.Event) {
	d.learnEvent(g, ev) // the Learn view's compare step uses the worker too
	if ev.Type == protocol.EvState && ev.Workers > 0 {
		g.train.js.workersUsed = ev.Workers
	}
	data := g.train.v.Apply(ev)
	if data == nil {
		return
	}
	switch ev.Purpose {
	case "download":
		browser.Download(trainview.WeightsFileName(ev.Algo, g.train.v.Episodes), "application/octet-stream", data)
		g.train.v.Message = "Weights downloaded (a safetensors file that metaglot eval -model reads)."
	case "classify":
		g.train.v.Message = g.st.UseTrained(ev.Algo, data)
	}
}

// bindTrain wires the tabs, the form and the buttons of the Train view.
func (d *dom) bindTrain(g *Game) {
	t := &g.train.js
	click := func(id string, f func(g *Game)) { d.on(id, "click", func(g *Game, _ js.Value) { f(g) }) }
	click("tab-classify", func(g *Game) { d.showTab(g, "classify") })
	click("tab-train", func(g *Game) { d.showTab(g, "train") })
	// The form never submits: Start reads it.
	prevent := js.FuncOf(func(this js.Value, args []js.Value) any { args[0].Call("preventDefault"); return nil })
	d.funcs = append(d.funcs, prevent)
	t.el["train-form"].Call("addEventListener", "submit", prevent)
	click("train-start", func(g *Game) { d.startTraining(g) })
	click("train-pause", func(g *Game) { t.post(protocol.Command{Type: protocol.CmdPause}) })
	click("train-resume", func(g *Game) { t.post(protocol.Command{Type: protocol.CmdResume}) })
	click("train-stop", func(g *Game) { t.post(protocol.Command{Type: protocol.CmdStop}) })
	click("train-download", func(g *Game) { t.post(protocol.Command{Type: protocol.CmdWeights, Purpose: "download"}) })
	click("train-use", func(g *Game) { t.post(protocol.Command{Type: protocol.CmdWeights, Purpose: "classify"}) })
	d.on("train-load", "change", func(g *Game, e js.Value) { d.loadWeightsFile(t.el["train-load"]) })
}

// loadWeightsFile checks the weights file chosen in the Train view from
// its size and header (trainview.CheckWeightsFile, which reads slices of
// the File), and only then hands the whole file to the worker, which
// decodes it: the bytes go from the browser to the worker as an
// ArrayBuffer (postBytes), and the page's program never holds more than
// the header. A refused file leaves the current weights in place.
func (d *dom) loadWeightsFile(input js.Value) {
	f, name, size, ok := browser.ChosenFile(input)
	if !ok {
		return
	}
	refuse := func(err error) { d.do(func(g *Game) { g.train.v.Message = err.Error() }) }
	read := func(start, end int64) ([]byte, error) { return browser.ReadBlob(f, start, end) }
	go func() {
		if err := trainview.CheckWeightsFile(name, size, read); err != nil {
			refuse(err)
			return
		}
		buf, err := browser.ReadAll(f)
		if err != nil {
			refuse(fmt.Errorf("the weights were not loaded, the current ones are kept: could not read %s: %v", name, err))
			return
		}
		d.do(func(g *Game) { g.train.js.postBytes(protocol.Command{Type: protocol.CmdLoad}, buf) })
	}()
}

// showTab shows the draw-and-classify view or the Train view.
func (d *dom) showTab(g *Game, tab string) {
	t := &g.train.js
	t.tab = tab
	for _, name := range []string{"classify", "train"} {
		on := name == tab
		t.el["tab-"+name].Call("setAttribute", "aria-selected", fmt.Sprint(on))
		t.el["tab-"+name].Set("tabIndex", map[bool]int{true: 0, false: -1}[on])
		t.el["view-"+name].Set("hidden", !on)
	}
	if tab == "train" {
		for i, id := range picIDs {
			if !g.train.canvases[i].Truthy() {
				g.train.canvases[i] = d.create("canvas")
				t.el[id].Call("appendChild", g.train.canvases[i])
			}
		}
		d.startWorker(g)
		d.sendDrawings(g)
	}
}

// sendDrawings gives the worker the user's classes, to project into the
// embedding view, when they changed since last time.
func (d *dom) sendDrawings(g *Game) {
	t := &g.train.js
	if !t.worker.Truthy() || !t.drawings.Due(g.st.Version) {
		return
	}
	t.post(protocol.Command{Type: protocol.CmdDrawings, Drawings: g.st.Drawings()})
}

// renderTrain shows the Train view's state in the HTML and its pictures
// (each when it changed).
func (d *dom) renderTrain(g *Game) {
	t := &g.train.js
	if t.el == nil {
		return
	}
	tu := g.train
	tu.paint(d, g.scale)
	v := &tu.v
	if v.Field != "" {
		d.markField(g, v.Field, v.Message)
		v.Field = ""
	}
	hasWeights := v.HaveWeights
	if t.tab == "train" {
		d.sendDrawings(g)
	}
	key := fmt.Sprint(v.Status(), "\x00", v.Message, v.State, v.Ready, hasWeights)
	if key == t.rendered {
		return
	}
	t.rendered = key
	setText(t.el["train-status"], v.Status())
	setText(t.el["train-message"], v.Message)
	busy := v.Busy()
	t.el["train-start"].Set("disabled", !v.Ready || busy)
	t.el["train-pause"].Set("disabled", v.State != protocol.Running)
	t.el["train-resume"].Set("disabled", v.State != protocol.Paused)
	t.el["train-stop"].Set("disabled", !busy)
	t.el["train-download"].Set("disabled", !hasWeights)
	t.el["train-use"].Set("disabled", !hasWeights)
	t.el["train-load"].Set("disabled", busy)
}

// trainState is window.metaglot.train: the Train view's state for tests
// (trainview.View.Summary), the worker's WebAssembly memory, the settings
// the form shows (form) and those of the run last started (sent), each
// {algo, init, setting: value} (trainview.Start.Summary).
func (g *Game) trainState() any {
	t := &g.train.js
	m := g.train.v.Summary()
	m["wasmBytes"] = t.wasmBytes
	m["chartText"] = g.train.text // the pictures' text size, trainview.TextFactor
	m["workers"] = t.workers
	m["workersUsed"] = t.workersUsed
	m["workersError"] = t.workersErr
	if t.form != nil {
		m["form"] = trainview.Start{Config: t.form.Config, Init: t.form.Init}.Summary()
	}
	if t.sent != nil {
		m["sent"] = t.sent.Summary()
	}
	return m
}
