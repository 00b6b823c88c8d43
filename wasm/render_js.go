package main

import (
	"fmt"
	"math"
	"strconv"
	"syscall/js"

	"metaglot/core/algo"
	"metaglot/wasm/app"
)

// render shows the state in the HTML: the class list when the classes
// changed, the texts and bars when they changed, and saves the classes.
func (d *dom) render(g *Game) {
	st := g.st
	if st.Version != d.renderedVersion {
		d.renderClasses(st)
		d.renderHeldOut(st)
		d.renderedVersion = st.Version
		if d.ready {
			st.Save(d.storage)
		}
	}
	if d.ready {
		st.SaveTrained(d.storage)
	}
	key := fmt.Sprint(st.ChallengeText(), st.Lake, st.ChallengerNote, st.Hint, "\x00", st.Message, st.Adapting, st.AdaptDone, "\x00", st.Classifications, st.HaveResult, st.Algorithm, st.QueryLabel, st.WeightsNote, d.ready, st.Version, len(st.AdaptLosses), d.innerShown)
	if key == d.renderedKey {
		return
	}
	d.renderedKey = key
	setText(d.el["hint"], st.Hint)
	setText(d.el["message"], st.Message)
	undo := st.CanUndoDelete()
	d.el["undo-box"].Set("hidden", undo == "")
	if undo != "" {
		setText(d.el["undo-text"], "Deleted "+undo+".")
	}
	setText(d.el["weights"], st.WeightsNote)
	d.el["weights-discard"].Set("hidden", !st.Trained(st.Algorithm))
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
	setText(d.el["classify-time"], st.TimingText())
	d.renderChallenge(st)
	fam := d.el["familiar"]
	level := ""
	if st.HaveResult && st.FamiliarText != "" {
		level = st.Familiar.Level()
		setText(fam, st.FamiliarText)
	} else {
		setText(fam, "")
	}
	fam.Call("setAttribute", "data-level", level)
	fam.Set("hidden", level == "" || st.Challenge != nil)
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
		li := d.create("li", "class", "class-card", "data-name", c.Name, "data-drop-class", ci)
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
		count := d.create("span", "class", "count", "text", app.Plural(len(c.Examples), "example"))
		png := d.create("button", "type", "button", "data-action", "png-class", "data-class", ci,
			"aria-label", "Save the examples of "+c.Name+" as PNG", "title", "Save the examples as one PNG", "data-focus-key", "png"+ci, "text", "PNG")
		del := d.create("button", "type", "button", "class", "danger", "data-action", "delete-class", "data-class", ci,
			"aria-label", "Delete class "+c.Name, "data-focus-key", "del"+ci, "text", "Delete")
		img := d.create("label", "class", "filebtn", "title", "Add PNG or JPEG drawings, or a class sheet saved with PNG, as examples (or drop them on this class)", "text", "Add image")
		img.Call("appendChild", d.create("input", "type", "file", "accept", "image/png,image/jpeg", "multiple", "", "class", "visually-hidden",
			"data-image-class", ci, "aria-label", "Add images to "+c.Name, "data-focus-key", "img"+ci))
		for _, e := range []js.Value{sel, name, count, png, img, del} {
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
	setText(d.el["class-count"], st.ClassCount())
	if focus != "" {
		if e := list.Call("querySelector", `[data-focus-key="`+focus+`"]`); e.Truthy() {
			e.Call("focus")
		}
	}
}

// renderChallenge shows the challenge of Lake's task (app.Challenge): its
// box with a Lake set, the question or the answers and scores; while it
// runs the bars are hidden (the page's own ProtoNet would give the answer
// away) and so are the held-out drawings (their names too).
func (d *dom) renderChallenge(st *app.State) {
	ch := st.Challenge
	d.el["challenge-box"].Set("hidden", !st.Lake)
	d.el["challenge-start"].Set("hidden", ch != nil && !ch.Done())
	if ch != nil && ch.Done() {
		setText(d.el["challenge-start"], "Play again")
	} else {
		setText(d.el["challenge-start"], "Challenge the model")
	}
	setText(d.el["challenge-text"], st.ChallengeText())
	d.renderChoices(st)
	d.el["challenge-next"].Set("hidden", ch == nil || !ch.Answered || ch.Done())
	for _, id := range []string{"bars", "familiar", "classify-time", "held-out-box"} {
		if ch != nil {
			d.el[id].Set("hidden", true)
		}
	}
	if ch == nil {
		d.el["bars"].Set("hidden", false)
		d.el["held-out-box"].Set("hidden", len(st.Omniglot) == 0)
	}
}

// renderChoices shows, while a drawing of the challenge waits for the
// visitor's answer, one button per class with its first example, all in
// view beside the query (a class list of 20 is long).
func (d *dom) renderChoices(st *app.State) {
	box := d.el["challenge-choices"]
	ch := st.Challenge
	open := ch != nil && !ch.Answered
	box.Set("hidden", !open)
	if !open {
		box.Set("textContent", "")
		d.choicesFor = ""
		return
	}
	key := fmt.Sprint(st.Version, ch.Pos)
	if key == d.choicesFor {
		return
	}
	d.choicesFor = key
	box.Set("textContent", "")
	for i := range st.Classes.Len() {
		c := st.Classes.Class(i)
		b := d.create("button", "type", "button", "class", "choice", "data-class", strconv.Itoa(i), "aria-label", "The drawing is "+c.Name, "title", c.Name)
		cv := d.create("canvas", "width", "28", "height", "28")
		if img := st.ExampleImage(i, 0); img != nil {
			putInk(cv, img)
		}
		b.Call("appendChild", cv)
		b.Call("appendChild", d.create("span", "text", strconv.Itoa(i+1)))
		box.Call("appendChild", b)
	}
}

// putInk draws a 28×28 ink image (1 = ink) into the 28×28 canvas cv.
func putInk(cv js.Value, img []float32) {
	rgba := make([]byte, 4*len(img))
	for k, v := range img {
		c := byte(255 - min(max(v, 0), 1)*255 + 0.5)
		rgba[4*k], rgba[4*k+1], rgba[4*k+2], rgba[4*k+3] = c, c, c, 255
	}
	arr := js.Global().Get("Uint8ClampedArray").New(len(rgba))
	js.CopyBytesToJS(arr, rgba)
	cv.Call("getContext", "2d").Call("putImageData", js.Global().Get("ImageData").New(arr, 28, 28), 0, 0)
}

func (d *dom) renderHeldOut(st *app.State) {
	box := d.el["held-out"]
	box.Set("textContent", "")
	d.el["held-out-box"].Set("hidden", len(st.Omniglot) == 0)
	d.el["my-classes"].Set("hidden", !st.Demo)
	for i, h := range st.Omniglot {
		b := d.create("button", "type", "button", "class", "thumb", "data-held", strconv.Itoa(i),
			"aria-label", "Classify the real drawing "+h.Label, "title", h.Label)
		box.Call("appendChild", b)
		d.thumbEls = append(d.thumbEls, thumbEl{el: b, class: -1, index: i})
	}
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
		stepsTitle, lrTitle := app.InnerTitles(t)
		d.el["inner-steps"].Set("value", strconv.Itoa(steps))
		d.el["inner-lr"].Set("value", strconv.FormatFloat(lr, 'g', -1, 64))
		d.el["inner-steps"].Call("setAttribute", "title", stepsTitle)
		d.el["inner-lr"].Call("setAttribute", "title", lrTitle)
	}
	setText(d.el["head-note"], st.HeadNote())
	setText(d.el["bn-note"], st.BNNote())
	d.el["loss-line"].Call("setAttribute", "points", app.LossPoints(st.AdaptLosses, 240, 48))
	setText(d.el["loss-caption"], st.LossCaption())
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

// fillAlgorithms puts algorithms in the Algorithm menu, their labels
// shown and their descriptions as tooltips, and selects one.
func (d *dom) fillAlgorithms(specs []algo.Spec, selected string) {
	sel := d.el["algorithm"]
	sel.Set("textContent", "")
	for _, s := range specs {
		sel.Call("appendChild", d.create("option", "value", s.Name, "title", s.Description, "text", s.Label))
	}
	sel.Set("value", selected)
}
