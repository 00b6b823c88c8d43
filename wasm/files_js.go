package main

import (
	"syscall/js"

	"metaglot/wasm/app"
	"metaglot/wasm/browser"
	"metaglot/wasm/classes"
	"metaglot/wasm/site"
)

// offer downloads f when ok (an export that produced a file).
func offer(f app.File, ok bool) {
	if ok {
		browser.Download(f.Name, f.MIME, f.Data)
	}
}

// importFile reads the classes file chosen in input and imports it in a
// later Update. A file larger than classes.MaxFileBytes is refused from
// its size, unread.
func (d *dom) importFile(input js.Value) {
	f, name, size, ok := browser.ChosenFile(input)
	if !ok {
		return
	}
	if classes.CheckFileSize(size) != nil {
		d.do(func(g *Game) { _ = g.st.CheckImport(name, size) })
		return
	}
	go func() {
		buf, err := browser.ReadAll(f)
		d.do(func(g *Game) {
			if err != nil {
				g.st.Message = "Could not read " + name + ": " + err.Error() + ". Your classes are unchanged."
				return
			}
			_ = g.st.Import(name, browser.Bytes(buf))
		})
	}()
}

// tryOmniglot runs a Try Omniglot (app.TryJob): its fetches on a
// goroutine, the result in a later Update.
func (d *dom) tryOmniglot(g *Game) {
	var j *app.TryJob
	if p := d.value("try-protocol"); p == app.LakeRuns {
		j = g.st.StartTryRun(d.value("try-run"), d.rng.Uint64())
	} else {
		j = g.st.StartTryWith(d.value("try-n"), d.value("try-k"), p, d.rng.Uint64())
	}
	if j == nil {
		return
	}
	go func() {
		j.Run(browser.FetchBytes)
		d.do(func(g *Game) {
			g.st.FinishTry(j, d.storage)
			if g.st.Lake && g.st.Challenger == nil && !d.challengerLoading {
				// The background-only model, the first time Lake's task
				// is tried (0.45 MB; never part of the first view), runs too.
				d.challengerLoading = true
				go func() {
					data, err := browser.FetchBytes(site.Weights(app.ChallengerModel))
					d.do(func(g *Game) {
						d.challengerLoading = false
						g.st.SetChallenger(data, err)
					})
				}()
			}
		})
	}()
}

// listenNow calls f for event on target at once, in the browser's event
// (not in a later Update as dom.on does): a drop must be claimed
// (preventDefault) and its files taken while the event runs.
func (d *dom) listenNow(target js.Value, event string, f func(e js.Value)) {
	fn := js.FuncOf(func(this js.Value, args []js.Value) any { f(args[0]); return nil })
	d.funcs = append(d.funcs, fn)
	target.Call("addEventListener", event, fn)
}

// readImages reads each PNG or JPEG of files (a FileList) on a goroutine
// and hands it to use in a later Update, one file after the other; a file
// over app.MaxImageFileBytes is refused from its size, unread.
func (d *dom) readImages(files js.Value, use func(g *Game, name string, data []byte)) {
	var list []js.Value
	for k := range files.Length() {
		list = append(list, files.Index(k))
	}
	go func() {
		for _, f := range list {
			name := f.Get("name").String()
			if err := app.CheckImageFile(name, int64(f.Get("size").Float())); err != nil {
				d.do(func(g *Game) { g.st.Message = "Not read: " + err.Error() + "." })
				continue
			}
			buf, err := browser.ReadAll(f)
			d.do(func(g *Game) {
				if err != nil {
					g.st.Message = "Could not read " + name + ": " + err.Error() + "."
					return
				}
				use(g, name, browser.Bytes(buf))
			})
		}
	}()
}

// bindImageFiles lets PNG and JPEG drawings in: chosen with a class's
// "Add image" button or dropped on its card, they become its examples
// (app.State.AddImageFile: a class sheet gives one per frame); chosen with
// "Open image" or dropped on the query pad, the query.
func (d *dom) bindImageFiles() {
	toClass := func(i int) func(g *Game, name string, data []byte) {
		return func(g *Game, name string, data []byte) { g.st.AddImageFile(i, name, data) }
	}
	toQuery := func(g *Game, name string, data []byte) { g.st.QueryImageFile(name, data) }
	list := d.el["class-list"]
	d.listenNow(list, "change", func(e js.Value) {
		t := e.Get("target")
		if t.Call("hasAttribute", "data-image-class").Bool() {
			d.readImages(t.Get("files"), toClass(atoi(t.Call("getAttribute", "data-image-class").String())))
			t.Set("value", "") // choosing the same file again fires again
		}
	})
	query := d.el["query-file"]
	d.listenNow(query, "change", func(e js.Value) {
		d.readImages(query.Get("files"), toQuery)
		query.Set("value", "")
	})
	// Drops: on a class card, or on the query pad and its preview.
	accept := func(e js.Value) bool {
		dt := e.Get("dataTransfer")
		if !dt.Truthy() {
			return false
		}
		types := dt.Get("types")
		for k := range types.Length() {
			if types.Index(k).String() == "Files" {
				return true
			}
		}
		return false
	}
	drop := func(target js.Value, to func(e js.Value) func(g *Game, name string, data []byte)) {
		d.listenNow(target, "dragover", func(e js.Value) {
			if accept(e) && to(e) != nil {
				e.Call("preventDefault")
			}
		})
		d.listenNow(target, "drop", func(e js.Value) {
			use := to(e)
			if !accept(e) || use == nil {
				return
			}
			e.Call("preventDefault")
			d.readImages(e.Get("dataTransfer").Get("files"), use)
		})
	}
	drop(list, func(e js.Value) func(g *Game, name string, data []byte) {
		card := e.Get("target").Call("closest", "[data-drop-class]")
		if !card.Truthy() {
			return nil
		}
		return toClass(atoi(card.Call("getAttribute", "data-drop-class").String()))
	})
	for _, id := range []string{"slot-query", "preview-query"} {
		drop(d.el[id], func(js.Value) func(g *Game, name string, data []byte) { return toQuery })
	}
}
