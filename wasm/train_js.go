package main

import (
	"errors"
	"fmt"
	"image"
	"math"
	"strings"
	"syscall/js"

	"metaglot/core/checkpoint"
	"metaglot/wasm/app"
	"metaglot/wasm/classify"
	"metaglot/wasm/trainer/protocol"
	"metaglot/wasm/trainer/weightsfile"
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
}

// picKey sums up what picture i shows at w×h device pixels.
func (t *trainUI) picKey(i, w, h int) string {
	var data any
	switch i {
	case picLoss, picAcc:
		data = fmt.Sprint(t.v.History.Steps(), len(t.v.History.Evals))
	default:
		data = fmt.Sprintf("%p", t.v.Snapshot)
	}
	return fmt.Sprint(w, "x", h, ":", data)
}

// paint redraws the pictures whose content or size changed.
func (t *trainUI) paint(d *dom, scale float64) {
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
		k := t.picKey(i, w, h)
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
			trainview.DrawChart(t.rgba[i], &t.v.History, trainview.LossChart, scale)
		case picAcc:
			trainview.DrawChart(t.rgba[i], &t.v.History, trainview.AccuracyChart, scale)
		case picEpisode:
			trainview.DrawEpisode(t.rgba[i], t.v.Snapshot, scale)
		case picEmbedding:
			trainview.DrawEmbedding(t.rgba[i], t.v.Snapshot, scale)
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
	rendered string
	drawings int // st.Version of the drawings last sent to the worker
	tab      string
	started  bool
	// wasmBytes is the worker's WebAssembly memory, as last reported.
	wasmBytes float64
}

// trainIDs are the Train view's elements in index.html.
func trainIDs() []string {
	ids := []string{"tab-classify", "tab-train", "view-classify", "view-train", "train-form", "train-error", "train-status",
		"train-start", "train-pause", "train-resume", "train-stop", "train-download", "train-load", "train-use", "train-message",
		"train-inner"}
	ids = append(ids, picIDs[:]...)
	for _, f := range trainview.Fields() {
		ids = append(ids, fieldID(f))
	}
	return ids
}

// fieldID returns the id of a form field: "inner_lr" → "train-inner-lr".
func fieldID(f string) string { return "train-" + strings.ReplaceAll(f, "_", "-") }

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
	d.bindTrain(g)
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

// post sends a command to the worker.
func (t *trainJS) post(c protocol.Command) {
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
	data := g.train.v.Apply(ev)
	if data == nil {
		return
	}
	switch ev.Purpose {
	case "download":
		d.download(fmt.Sprintf("metaglot-%s-%d-episodes.safetensors", ev.Algo, g.train.v.Episodes), "application/octet-stream", data)
		g.train.v.Message = "Weights downloaded (a safetensors file that metaglot eval -model reads)."
	case "classify":
		d.useWeights(g, ev.Algo, data)
	}
}

// useWeights makes the draw-and-classify view classify with the weights
// file data (trained or loaded in the Train view).
func (d *dom) useWeights(g *Game, algo string, data []byte) {
	set, meta, err := checkpoint.Decode(data)
	if err != nil {
		g.train.v.Message = "Could not use the weights: " + err.Error()
		return
	}
	var c app.Classifier
	if algo == "protonet" {
		c = classify.NewProtoNet(classify.NewConv4(set))
	} else if c, err = classify.NewFineTuner(algo, set, meta); err != nil {
		g.train.v.Message = "Could not use the weights: " + err.Error()
		return
	}
	g.st.Classifiers[algo] = c
	delete(g.st.Unavailable, algo)
	g.st.SetAlgorithm(algo)
	d.el["algorithm"].Set("value", algo)
	g.st.WeightsNote = fmt.Sprintf("%s weights trained in this page (%s episodes).", app.AlgorithmLabel(algo), meta["episodes"])
	g.st.Reclassify()
	g.train.v.Message = "Draw & classify now uses these " + app.AlgorithmLabel(algo) + " weights."
}

// bindTrain wires the tabs, the form and the buttons of the Train view.
func (d *dom) bindTrain(g *Game) {
	t := &g.train.js
	click := func(id string, f func(g *Game)) { d.on(id, "click", func(g *Game, _ js.Value) { f(g) }) }
	click("tab-classify", func(g *Game) { d.showTab(g, "classify") })
	click("tab-train", func(g *Game) { d.showTab(g, "train") })
	d.on("train-algo", "change", func(g *Game, _ js.Value) { d.fillDefaults(g) })
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
	d.fillDefaults(g)
}

// loadWeightsFile checks the weights file chosen in the Train view from
// its size, its first 8 bytes and its header (package weightsfile), each
// read on its own from the File, and only then hands the whole file to the
// worker, which decodes it. The page's program never holds more than the
// header: the bytes go from the browser to the worker as an ArrayBuffer
// (postBytes). A refused file leaves the current weights in place.
func (d *dom) loadWeightsFile(input js.Value) {
	f, name, size, ok := chosenFile(input)
	if !ok {
		return
	}
	refuse := func(err error) {
		d.do(func(g *Game) {
			g.train.v.Message = "the weights were not loaded, the current ones are kept: " + err.Error()
		})
	}
	if err := weightsfile.CheckSize(name, size); err != nil {
		refuse(err)
		return
	}
	go func() {
		prefix, err := readBlob(f, 0, weightsfile.PrefixLen)
		if err != nil {
			refuse(fmt.Errorf("could not read %s: %v", name, err))
			return
		}
		n, err := weightsfile.HeaderLen(name, prefix, size)
		if err != nil {
			refuse(err)
			return
		}
		header, err := readBlob(f, weightsfile.PrefixLen, weightsfile.PrefixLen+int64(n))
		if err == nil {
			err = weightsfile.CheckHeader(name, header, size)
		}
		if err != nil {
			refuse(err)
			return
		}
		buf, err := await(f.Call("arrayBuffer"))
		if err != nil {
			refuse(fmt.Errorf("could not read %s: %v", name, err))
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
	if t.drawings == g.st.Version+1 || !t.worker.Truthy() {
		return
	}
	t.drawings = g.st.Version + 1
	dr := &protocol.Drawings{}
	for i := range g.st.Classes.Len() {
		c := g.st.Classes.Class(i)
		dr.Names = append(dr.Names, c.Name)
		for j := range c.Examples {
			img := g.st.ExampleImage(i, j)
			b := make([]byte, len(img))
			for k, v := range img {
				b[k] = byte(min(max(v, 0), 1)*255 + 0.5)
			}
			dr.Images = append(dr.Images, b)
			dr.Labels = append(dr.Labels, i)
		}
	}
	t.post(protocol.Command{Type: protocol.CmdDrawings, Drawings: dr})
}

// fillDefaults puts the chosen algorithm's default settings in the form.
func (d *dom) fillDefaults(g *Game) {
	t := &g.train.js
	c := protocol.Defaults(t.el["train-algo"].Get("value").String())
	set := func(f string, v any) { t.el[fieldID(f)].Set("value", fmt.Sprint(v)) }
	set("way", c.Way)
	set("shot", c.Shot)
	set("query", c.Query)
	set("lr", c.LR)
	set("inner_lr", c.InnerLR)
	set("inner_steps", c.InnerSteps)
	set("meta_batch", c.MetaBatch)
	set("episodes", c.Episodes)
	set("eval_every", c.EvalEvery)
	t.el["train-inner"].Set("hidden", c.Algo == "protonet")
	d.markField(g, "", "")
}

// markField shows a form error for field (none for "").
func (d *dom) markField(g *Game, field, msg string) {
	t := &g.train.js
	for _, f := range trainview.Fields() {
		el := t.el[fieldID(f)]
		if f == field {
			el.Call("setAttribute", "aria-invalid", "true")
		} else {
			el.Call("removeAttribute", "aria-invalid")
		}
	}
	setText(t.el["train-error"], msg)
}

// startTraining reads the form and starts a run, or says why it cannot.
func (d *dom) startTraining(g *Game) {
	t := &g.train.js
	v := &g.train.v
	if !v.Ready {
		d.markField(g, "", "The trainer is still loading the Omniglot images; try again in a moment.")
		return
	}
	c, err := trainview.ReadForm(func(f string) string { return t.el[fieldID(f)].Get("value").String() }, v.Limits)
	if err != nil {
		field, msg := trainview.FieldOf(err), err.Error()
		var fe *protocol.FieldError
		if errors.As(err, &fe) {
			msg = "Not started: " + fe.Msg
		}
		d.markField(g, field, msg)
		if field != "" {
			t.el[fieldID(field)].Call("focus")
		}
		return
	}
	d.markField(g, "", "")
	c.Seed = d.rng.Uint64()
	t.post(protocol.Command{Type: protocol.CmdStart, Config: &c})
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

// trainState is window.metaglot.train: the Train view's state for tests.
func (g *Game) trainState() any {
	v := &g.train.v
	p, _ := v.History.Last()
	var held []any
	for _, e := range v.History.Evals {
		held = append(held, map[string]any{"episode": e.Episode, "acc": e.Acc, "ci95": e.CI95})
	}
	snap, user := -1, 0
	if v.Snapshot != nil {
		snap = v.Snapshot.Episode
		for _, p := range v.Snapshot.Points {
			if p.Kind == protocol.UserPoint {
				user++
			}
		}
	}
	return map[string]any{
		"ready": v.Ready, "state": string(v.State), "algorithm": v.Algo,
		"episodes": v.Episodes, "total": v.Total, "steps": v.History.Steps(),
		"lastLoss": v.Last.Loss, "lastAcc": v.Last.Acc, "smoothedLoss": p.SmoothLoss, "smoothedAcc": p.SmoothAc,
		"heldOut": held, "message": v.Message, "snapshotEpisode": snap, "userPoints": user,
		"heapBytes": v.HeapBytes, "sysBytes": v.SysBytes, "wasmBytes": g.train.js.wasmBytes,
	}
}
