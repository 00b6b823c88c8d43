package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"syscall/js"
	"time"

	"metaglot/core/checkpoint"
	"metaglot/core/mann"
	"metaglot/core/omniglot"
	"metaglot/core/preprocess"
	"metaglot/wasm/app"
	"metaglot/wasm/browser"
	"metaglot/wasm/classify"
	"metaglot/wasm/learn"
	"metaglot/wasm/site"
	"metaglot/wasm/trainer/protocol"
)

// learnUI is the Learn view (package learn holds its state and makes its
// pictures): the browser side binds its controls, fetches what a step
// needs when it is first shown, and puts the step's HTML in place. Nothing
// of it runs before the view is first opened, apart from binding.
type learnUI struct {
	l        *learn.Lesson
	el       map[string]js.Value
	built    bool
	shown    bool
	fetching map[learn.Need]bool
	running  bool // "Run to the end" of the inner loop in progress
	rendered string
	// pending is a compare request waiting for the worker to be ready;
	// comparing is set from sending one to its last result.
	pending   *protocol.CompareRequest
	comparing bool
	last      string // the last algorithm of the request
}

// learnIDs are the Learn view's elements in index.html.
func learnIDs() []string {
	return []string{"tab-learn", "view-learn", "learn-steps", "learn-title", "learn-text", "learn-body", "learn-n", "learn-k",
		"learn-source", "learn-prev", "learn-next", "learn-big", "learn-link", "learn-error",
		"learn-ctl-split", "learn-ctl-optim", "learn-ctl-model", "learn-ctl-compare",
		"learn-resample", "learn-algo", "learn-inner-steps", "learn-lr", "learn-step", "learn-run", "learn-reset",
		"learn-reorder", "learn-compare", "learn-episodes"}
}

// startLearn binds the Learn tab (a page without its elements has no
// Learn view) and the tab list's arrow keys, and opens the view if the
// page's address names one of its steps (#learn/metric?n=5&k=1).
func (d *dom) startLearn(g *Game) {
	u := &learnUI{el: map[string]js.Value{}, fetching: map[learn.Need]bool{}}
	for _, id := range learnIDs() {
		e := d.doc.Call("getElementById", id)
		if !e.Truthy() {
			js.Global().Get("console").Call("error", "page: index.html has no element #"+id+": no Learn view")
			return
		}
		u.el[id] = e
	}
	g.learn = u
	click := func(id string, f func(g *Game)) { d.on(id, "click", func(g *Game, _ js.Value) { f(g) }) }
	click("tab-learn", func(g *Game) { d.showLearn(g, u) })
	// The other tabs' own handlers show their views (train_js.go); these
	// hide the Learn view after them.
	click("tab-classify", func(g *Game) { u.hide() })
	click("tab-train", func(g *Game) { u.hide() })
	d.bindTabKeys()

	click("learn-prev", func(g *Game) { u.move(d, g, -1) })
	click("learn-next", func(g *Game) { u.move(d, g, 1) })
	d.on("learn-steps", "click", func(g *Game, e js.Value) {
		t := e.Get("target").Call("closest", "[data-step]")
		if t.Truthy() {
			u.move(d, g, atoi(t.Call("getAttribute", "data-step").String())-u.l.Place.Step)
		}
	})
	// The fields' values are read when the event happens: an action
	// queued before it may render the lesson, which rewrites the fields.
	for _, id := range []string{"learn-n", "learn-k"} {
		d.onValues(id, "change", []string{"learn-n", "learn-k"}, func(g *Game, v []string) {
			if err := u.l.SetSize(v[0], v[1]); err != nil {
				setText(u.el["learn-error"], err.Error())
				u.rendered = "" // puts the size in use back in the fields
			} else {
				setText(u.el["learn-error"], "")
			}
			u.render(d, g)
		})
	}
	d.onValues("learn-source", "change", []string{"learn-source"}, func(g *Game, v []string) {
		u.l.Source = v[0]
		u.report(nil)
		u.render(d, g)
	})
	click("learn-big", func(g *Game) {
		on := !d.doc.Get("body").Get("classList").Call("contains", "learn-big").Bool()
		d.doc.Get("body").Get("classList").Call("toggle", "learn-big", on)
		u.el["learn-big"].Call("setAttribute", "aria-pressed", fmt.Sprint(on))
		u.render(d, g) // the metric picture's labels follow
	})
	// A resize (a phone turned, a window moved to the projector) changes
	// the metric picture's width.
	resize := js.FuncOf(func(this js.Value, args []js.Value) any {
		d.do(func(g *Game) { u.render(d, g) })
		return nil
	})
	d.funcs = append(d.funcs, resize)
	d.win.Call("addEventListener", "resize", resize)
	click("learn-resample", func(g *Game) { u.l.Seed++; u.render(d, g) })
	click("learn-reorder", func(g *Game) { u.l.Seed++; u.render(d, g) })
	d.onValues("learn-algo", "change", nil, func(g *Game, _ []string) {
		u.l.Inner, u.l.InnerSteps, u.l.InnerLR = nil, 0, 0
		delete(u.l.Errors, learn.NeedInner)
		u.render(d, g)
	})
	for _, id := range []string{"learn-inner-steps", "learn-lr"} {
		d.on(id, "change", func(g *Game, e js.Value) {
			if u.readInner() {
				u.report(u.l.StartInner())
			}
			u.render(d, g)
		})
	}
	click("learn-step", func(g *Game) {
		if u.readInner() {
			u.step(d, g)
		}
	})
	click("learn-reset", func(g *Game) {
		u.running = false
		if u.readInner() {
			u.report(u.l.StartInner())
		}
		u.render(d, g)
	})
	click("learn-run", func(g *Game) {
		if u.readInner() {
			u.running = true
			u.step(d, g)
		}
	})
	click("learn-compare", func(g *Game) { u.compare(d, g) })
	click("learn-episodes", func(g *Game) { u.episodes(d, g) })
	// Presenters' clickers send PageUp/PageDown; arrows too, away from fields.
	key := js.FuncOf(func(this js.Value, args []js.Value) any {
		e := args[0]
		if !u.shown || e.Get("ctrlKey").Bool() || e.Get("altKey").Bool() || e.Get("metaKey").Bool() {
			return nil
		}
		t := e.Get("target")
		tag := t.Get("tagName").String()
		if tag == "INPUT" || tag == "SELECT" || tag == "TEXTAREA" || t.Call("getAttribute", "role").String() == "tab" {
			return nil
		}
		delta := 0
		switch e.Get("key").String() {
		case "ArrowRight", "PageDown":
			delta = 1
		case "ArrowLeft", "PageUp":
			delta = -1
		}
		if delta != 0 {
			e.Call("preventDefault")
			d.do(func(g *Game) { u.move(d, g, delta) })
		}
		return nil
	})
	d.funcs = append(d.funcs, key)
	d.win.Call("addEventListener", "keydown", key)

	if h := d.win.Get("location").Get("hash").String(); strings.HasPrefix(h, "#learn") {
		d.do(func(g *Game) { d.showLearn(g, u) })
	}
	// A step's link opened in the page's own tab (pasted into the address
	// bar, or Back after following one) changes only the fragment: go to
	// the step it names.
	hash := js.FuncOf(func(this js.Value, args []js.Value) any {
		h := d.win.Get("location").Get("hash").String()
		d.do(func(g *Game) {
			if !u.built {
				if strings.HasPrefix(h, "#learn") {
					d.showLearn(g, u)
				}
				return
			}
			p, ok := learn.ParseFragment(h, u.l.Place)
			if !ok {
				return
			}
			if p != u.l.Place {
				u.l.Place = p
				u.running = false
				u.report(nil)
			}
			if !u.shown {
				d.showLearn(g, u)
				return
			}
			u.render(d, g)
		})
		return nil
	})
	d.funcs = append(d.funcs, hash)
	d.win.Call("addEventListener", "hashchange", hash)
}

// onValues adds a listener to the element with the given id that reads
// the values of the fields ids at once, then queues f with them.
func (d *dom) onValues(id, event string, ids []string, f func(g *Game, values []string)) {
	fn := js.FuncOf(func(this js.Value, args []js.Value) any {
		v := make([]string, len(ids))
		for i, id := range ids {
			v[i] = d.doc.Call("getElementById", id).Get("value").String()
		}
		d.do(func(g *Game) { f(g, v) })
		return nil
	})
	d.funcs = append(d.funcs, fn)
	d.doc.Call("getElementById", id).Call("addEventListener", event, fn)
}

// bindTabKeys gives the tab list the WAI-ARIA tabs pattern's keys: the
// arrows, Home and End move to and open the previous, next, first and
// last tab (the selected tab alone is in the Tab order).
func (d *dom) bindTabKeys() {
	list := d.doc.Call("querySelector", "[role=tablist]")
	if !list.Truthy() {
		return
	}
	fn := js.FuncOf(func(this js.Value, args []js.Value) any {
		e := args[0]
		tabs := list.Call("querySelectorAll", "[role=tab]")
		n := tabs.Get("length").Int()
		cur := -1
		for i := range n {
			if tabs.Index(i).Equal(e.Get("target")) {
				cur = i
			}
		}
		if cur < 0 {
			return nil
		}
		next := -1
		switch e.Get("key").String() {
		case "ArrowRight":
			next = (cur + 1) % n
		case "ArrowLeft":
			next = (cur + n - 1) % n
		case "Home":
			next = 0
		case "End":
			next = n - 1
		}
		if next >= 0 {
			e.Call("preventDefault")
			tabs.Index(next).Call("focus")
			tabs.Index(next).Call("click")
		}
		return nil
	})
	d.funcs = append(d.funcs, fn)
	list.Call("addEventListener", "keydown", fn)
}

// showLearn shows the Learn view, building it the first time.
func (d *dom) showLearn(g *Game, u *learnUI) {
	if !u.built {
		u.built = true
		// The page's ?seed= (app.Seed) draws the same Omniglot tasks every
		// time, for a teacher's link or a test.
		u.l = learn.NewLesson(app.Seed(d.win.Get("location").Get("search").String(), uint64(time.Now().UnixNano())))
		if p, ok := learn.ParseFragment(d.win.Get("location").Get("hash").String(), u.l.Place); ok {
			u.l.Place = p
		}
		var b strings.Builder
		for i, s := range learn.Steps() {
			fmt.Fprintf(&b, `<li><button type="button" data-step="%d">%s</button></li>`, i, strings.TrimSpace(s.Title))
		}
		u.el["learn-steps"].Set("innerHTML", b.String())
		if !mineUsable(g.st) {
			u.l.Source = learn.Omniglot
		}
	}
	u.shown = true
	g.train.js.tab = "learn"
	for _, name := range []string{"classify", "train"} {
		if el := d.doc.Call("getElementById", "tab-"+name); el.Truthy() {
			el.Call("setAttribute", "aria-selected", "false")
			el.Set("tabIndex", -1)
		}
		if el := d.doc.Call("getElementById", "view-"+name); el.Truthy() {
			el.Set("hidden", true)
		}
	}
	u.el["tab-learn"].Call("setAttribute", "aria-selected", "true")
	u.el["tab-learn"].Set("tabIndex", 0)
	u.el["view-learn"].Set("hidden", false)
	u.rendered = ""
	u.render(d, g)
}

// hide hides the Learn view (another tab was opened).
func (u *learnUI) hide() {
	u.shown = false
	u.running = false
	u.el["tab-learn"].Call("setAttribute", "aria-selected", "false")
	u.el["tab-learn"].Set("tabIndex", -1)
	u.el["view-learn"].Set("hidden", true)
}

// mineUsable reports whether the visitor has at least two classes with
// examples, enough for a task.
func mineUsable(st *app.State) bool {
	n := 0
	for i := range st.Classes.Len() {
		if len(st.Classes.Class(i).Examples) > 0 {
			n++
		}
	}
	return n >= 2
}

// mine reads the visitor's classes and query.
func mine(st *app.State) learn.Source {
	var s learn.Source
	for i := range st.Classes.Len() {
		c := st.Classes.Class(i)
		s.Names = append(s.Names, c.Name)
		var imgs [][]float32
		for j := range c.Examples {
			imgs = append(imgs, st.ExampleImage(i, j))
		}
		s.Images = append(s.Images, imgs)
	}
	if len(st.Query.Strokes()) > 0 || st.QueryImage != nil {
		q := make([]float32, preprocess.Size*preprocess.Size)
		st.Preview(app.QueryPad, q)
		s.Query = q
	}
	return s
}

func (u *learnUI) move(d *dom, g *Game, delta int) {
	if u.l != nil && u.l.Go(delta) {
		u.running = false
		u.report(nil)
		u.render(d, g)
	}
}

func (u *learnUI) report(err error) {
	if err != nil {
		setText(u.el["learn-error"], err.Error())
	} else {
		setText(u.el["learn-error"], "")
	}
}

// readInner takes the inner loop's settings from their fields (empty:
// the model's own); a bad value is refused with a message (false), and
// the settings in use stay.
func (u *learnUI) readInner() bool {
	steps, lr := strings.TrimSpace(u.el["learn-inner-steps"].Get("value").String()), strings.TrimSpace(u.el["learn-lr"].Get("value").String())
	u.report(nil)
	if steps != "" {
		n, err := strconv.Atoi(steps)
		if err != nil || n < 1 || n > classify.MaxInnerSteps {
			u.report(fmt.Errorf("inner steps %q: want a whole number from 1 to %d", steps, classify.MaxInnerSteps))
			return false
		}
	}
	if lr != "" {
		x, err := strconv.ParseFloat(lr, 64)
		if err != nil || !(x > 0) || x > classify.MaxInnerLR {
			u.report(fmt.Errorf("step size %q: want a number above 0 and at most %d", lr, classify.MaxInnerLR))
			return false
		}
		u.l.InnerLR = x
	} else {
		u.l.InnerLR = 0
	}
	if steps != "" {
		u.l.InnerSteps, _ = strconv.Atoi(steps)
	} else {
		u.l.InnerSteps = 0
	}
	return true
}

// step takes one inner step; while "Run to the end" is on, the next one
// follows in the next frame.
func (u *learnUI) step(d *dom, g *Game) {
	more, err := u.l.StepInner()
	if err != nil {
		u.running = false
		u.report(err)
	}
	u.render(d, g)
	if more && u.running && u.shown {
		d.do(func(g *Game) { u.step(d, g) })
	} else {
		u.running = false
	}
}

// compare answers the task's query with every classifier loaded.
func (u *learnUI) compare(d *dom, g *Game) {
	t, err := u.l.Task()
	if err != nil {
		u.report(err)
		return
	}
	if u.l.Classifiers == nil {
		u.report(fmt.Errorf("the algorithms' weights are still loading"))
		return
	}
	u.l.SetCompared(learn.Compare(u.l.Classifiers, t, time.Now))
	u.report(nil)
	u.rendered = ""
	u.render(d, g)
}

// episodesEach is how many held-out episodes the compare step's button
// runs per algorithm.
const episodesEach = 100

// episodes asks the Train view's worker (started if need be) to measure
// every algorithm on episodesEach held-out Omniglot episodes of the
// lesson's N and K; the results arrive as EvCompare events (learnEvent).
func (u *learnUI) episodes(d *dom, g *Game) {
	var algos []string
	for _, s := range app.Algorithms() {
		algos = append(algos, s.Name)
	}
	p := u.l.Place
	req := &protocol.CompareRequest{Algos: algos, Way: p.Way, Shot: p.Shot, Query: min(15, 20-p.Shot), Episodes: episodesEach, Seed: u.l.Seed}
	u.comparing, u.last = true, algos[len(algos)-1]
	if !g.train.v.Ready {
		u.pending = req
		d.startWorker(g)
		setText(u.el["learn-error"], "Starting the background worker: it loads the Omniglot images first…")
		return
	}
	u.report(nil)
	g.train.js.post(protocol.Command{Type: protocol.CmdCompare, Compare: req})
}

// learnEvent takes the worker's events that concern the Learn view: its
// readiness (a request waits), compare results, and errors while a
// compare is asked for.
func (d *dom) learnEvent(g *Game, ev protocol.Event) {
	u := g.learn
	if u == nil || u.l == nil {
		return
	}
	switch ev.Type {
	case protocol.EvReady:
		if u.pending != nil {
			u.report(nil)
			g.train.js.post(protocol.Command{Type: protocol.CmdCompare, Compare: u.pending})
			u.pending = nil
		}
	case protocol.EvCompare:
		if r := ev.Compared; r != nil {
			u.l.SetEpisodes(learn.EpisodeResult{Algo: r.Algo, Label: app.AlgorithmLabel(r.Algo), Way: r.Way, Shot: r.Shot,
				Done: r.Done, Episodes: r.Episodes, Accuracy: r.Accuracy, CI95: r.CI95, Note: r.Note, Err: r.Err})
			if r.Algo == u.last && (r.Done == r.Episodes || r.Err != "") {
				u.comparing = false
			}
			u.render(d, g)
		}
	case protocol.EvError:
		if u.comparing {
			u.comparing = false
			setText(u.el["learn-error"], ev.Msg)
		}
	}
}

// render shows the lesson: the step list, title, text, controls and
// pictures, and starts fetching what the step needs.
func (u *learnUI) render(d *dom, g *Game) {
	if u.l == nil || !u.shown {
		return
	}
	l := u.l
	if l.Source == learn.Mine {
		l.Mine = mine(g.st)
	}
	for _, n := range l.Needs() {
		if !u.fetching[n] {
			u.fetching[n] = true
			go u.fetch(d, n)
		}
	}
	step := l.Step()
	body := l.Body()
	key := fmt.Sprint(l.Place, l.Source, body)
	if key == u.rendered {
		u.fit(d, g)
		return
	}
	u.rendered = key
	setText(u.el["learn-title"], step.Title)
	setText(u.el["learn-text"], step.Text)
	u.el["learn-body"].Set("innerHTML", body)
	for _, id := range []string{"split", "optim", "model", "compare"} {
		u.el["learn-ctl-"+id].Set("hidden", id != step.ID)
	}
	buttons := u.el["learn-steps"].Call("querySelectorAll", "button")
	for i := range buttons.Get("length").Int() {
		b := buttons.Index(i)
		if i == l.Place.Step {
			b.Call("setAttribute", "aria-current", "step")
		} else {
			b.Call("removeAttribute", "aria-current")
		}
	}
	u.el["learn-prev"].Set("disabled", l.Place.Step == 0)
	u.el["learn-next"].Set("disabled", l.Place.Step == len(learn.Steps())-1)
	active := d.doc.Get("activeElement")
	for id, v := range map[string]int{"learn-n": l.Place.Way, "learn-k": l.Place.Shot} {
		if !active.Equal(u.el[id]) {
			u.el[id].Set("value", strconv.Itoa(v))
		}
	}
	u.el["learn-source"].Set("value", l.Source)
	frag := "#" + l.Place.Fragment()
	u.el["learn-link"].Set("href", frag)
	d.win.Get("history").Call("replaceState", nil, "", frag)
	v := u.el["view-learn"]
	v.Call("setAttribute", "data-step", step.ID)
	v.Call("setAttribute", "data-way", strconv.Itoa(l.Place.Way))
	v.Call("setAttribute", "data-shot", strconv.Itoa(l.Place.Shot))
	v.Call("setAttribute", "data-source", l.Source)
	v.Call("setAttribute", "data-loading", fmt.Sprint(len(l.Needs()) > 0))
	u.fit(d, g)
}

// fit draws the metric picture again when the way it is shown changed
// (the first time, on a phone, after a resize, with Large text): its
// labels' size and places follow its width and the mode
// (learn.MetricSVG). The picture's width does not depend on what it
// shows, so one redraw settles it.
func (u *learnUI) fit(d *dom, g *Game) {
	svg := u.el["learn-body"].Call("querySelector", "svg.metric")
	if !svg.Truthy() {
		return
	}
	now := learn.Display{
		Px:    svg.Call("getBoundingClientRect").Get("width").Float(),
		Large: d.doc.Get("body").Get("classList").Call("contains", "learn-big").Bool(),
	}
	if now.Px <= 0 || math.Abs(now.Px-u.l.Display.Px) < 1 && now.Large == u.l.Display.Large {
		return
	}
	u.l.Display = now
	u.render(d, g)
}

// fetch gets what a step needs, on a goroutine, and hands it to the
// lesson in the next Update.
func (u *learnUI) fetch(d *dom, n learn.Need) {
	fail := func(err error) {
		d.do(func(g *Game) {
			u.l.Errors[n] = err.Error()
			u.fetching[n] = false
			u.render(d, g)
		})
	}
	done := func(f func(g *Game) error) {
		d.do(func(g *Game) {
			if err := f(g); err != nil {
				u.l.Errors[n] = err.Error()
			}
			u.fetching[n] = false
			u.rendered = ""
			u.render(d, g)
		})
	}
	ix := u.l.Index
	if (n == learn.NeedOmniglot || n == learn.NeedSplit) && ix == nil {
		data, err := browser.FetchBytes(site.OmniglotIndex)
		if err == nil {
			ix, err = omniglot.ParseIndex(data)
		}
		if err != nil {
			fail(err)
			return
		}
	}
	sheets := func(alphabets ...omniglot.Alphabet) (map[string][]byte, error) {
		out := map[string][]byte{}
		for _, a := range alphabets {
			data, err := browser.FetchBytes(site.OmniglotSheet(a.File))
			if err != nil {
				return nil, err
			}
			out[a.Name] = data
		}
		return out, nil
	}
	// add puts the index and sheets in place (in an Update).
	add := func(got map[string][]byte) error {
		if u.l.Index == nil {
			u.l.Index, u.l.Data = ix, omniglot.New(ix)
		}
		for name, data := range got {
			if !u.l.Data.Loaded(name) {
				if err := u.l.Data.AddAlphabetSheet(name, data); err != nil {
					return err
				}
			}
		}
		return nil
	}
	rng := rand.New(rand.NewPCG(u.l.Seed, 7))
	switch n {
	case learn.NeedOmniglot:
		plan, err := app.PlanTry(ix, learn.MaxWay, rng)
		if err != nil {
			fail(err)
			return
		}
		a := alphabetNamed(ix, plan.Alphabet)
		got, err := sheets(a)
		if err != nil {
			fail(err)
			return
		}
		done(func(g *Game) error {
			if err := add(got); err != nil {
				return err
			}
			u.l.OmniAlphabet = a.Name
			return nil
		})
	case learn.NeedSplit:
		tr, te, err := learn.SplitAlphabets(ix, 5, rng)
		if err != nil {
			fail(err)
			return
		}
		got, err := sheets(tr, te)
		if err != nil {
			fail(err)
			return
		}
		done(func(g *Game) error {
			if err := add(got); err != nil {
				return err
			}
			u.l.TrainAlphabet, u.l.TestAlphabet = tr.Name, te.Name
			return nil
		})
	case learn.NeedProtoNet:
		data, err := browser.FetchBytes(site.Weights("protonet"))
		if err != nil {
			fail(err)
			return
		}
		done(func(g *Game) error {
			set, meta, err := checkpoint.Decode(data)
			if err != nil {
				return err
			}
			net, err := classify.NetOf(meta)
			if err != nil {
				return err
			}
			u.l.Emb = classify.NewBackbone(net, set)
			return nil
		})
	case learn.NeedInner:
		a := u.el["learn-algo"].Get("value").String()
		data, err := browser.FetchBytes(site.Weights(a))
		if err != nil {
			fail(err)
			return
		}
		done(func(g *Game) error {
			in, err := learn.NewInner(a, data)
			if err != nil {
				return err
			}
			u.l.Inner = in
			steps, lr := in.Defaults()
			u.el["learn-inner-steps"].Set("placeholder", strconv.Itoa(steps))
			u.el["learn-lr"].Set("placeholder", strconv.FormatFloat(lr, 'g', -1, 64))
			return nil
		})
	case learn.NeedMANN:
		// Fetched only when the model-based step is first shown (2.6 MB):
		// never part of the first view.
		data, err := browser.FetchBytes(site.Weights("mann"))
		if err != nil {
			fail(err)
			return
		}
		m, note, err := learn.LoadMANN(data)
		if err != nil {
			fail(err)
			return
		}
		done(func(g *Game) error {
			u.l.MANN, u.l.MANNNote = m, note
			return nil
		})
	case learn.NeedCompare:
		var clfs []learn.Named
		for _, s := range app.Algorithms() {
			c, err := loadClassifier(s.Name)
			if err != nil {
				c = failed{fmt.Errorf("%s: %v", s.Label, err)}
			}
			clfs = append(clfs, learn.Named{Algo: s.Name, Label: s.Label, C: c})
		}
		// The bundled MANN, unless the model-based step has it already.
		m, note, err := mannOf(u.l)
		mc := learn.Classifier(failed{fmt.Errorf("MANN: %v", err)})
		if err == nil {
			mc = learn.MANNClassifier{L: m, Seed: 1}
		}
		clfs = append(clfs, learn.Named{Algo: "mann", Label: app.AlgorithmLabel("mann"), C: mc})
		done(func(g *Game) error {
			u.l.Classifiers = clfs
			if err == nil && u.l.MANN == nil {
				u.l.MANN, u.l.MANNNote = m, note
			}
			return nil
		})
	}
}

// mannOf returns the lesson's trained MANN, fetching it if need be. It
// reads l.MANN from a goroutine: a stale nil only costs a second fetch.
func mannOf(l *learn.Lesson) (*mann.Learner, string, error) {
	if m := l.MANN; m != nil {
		return m, l.MANNNote, nil
	}
	data, err := browser.FetchBytes(site.Weights("mann"))
	if err != nil {
		return nil, "", err
	}
	return learn.LoadMANN(data)
}

// loadClassifier fetches an algorithm's bundled weights and makes a
// classifier of its own for the Learn view (Draw & classify's stay
// untouched).
func loadClassifier(name string) (learn.Classifier, error) {
	data, err := browser.FetchBytes(site.Weights(name))
	if err != nil {
		return nil, err
	}
	set, meta, err := checkpoint.Decode(data)
	if err != nil {
		return nil, err
	}
	return app.NewClassifier(name, set, meta)
}

// failed is a classifier that could not be made: it answers its error.
type failed struct{ err error }

func (f failed) Classify([][][]float32, []float32) (classify.Result, error) {
	return classify.Result{}, f.err
}

// alphabetNamed returns the index's alphabet of that name.
func alphabetNamed(ix *omniglot.Index, name string) omniglot.Alphabet {
	for _, a := range ix.Alphabets {
		if a.Name == name {
			return a
		}
	}
	return omniglot.Alphabet{}
}
