package main

import (
	"syscall/js"

	"metaglot/wasm/app"
	"metaglot/wasm/browser"
	"metaglot/wasm/classes"
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
	j := g.st.StartTry(d.value("try-n"), d.value("try-k"), d.rng.Uint64())
	if j == nil {
		return
	}
	go func() {
		j.Run(browser.FetchBytes)
		d.do(func(g *Game) { g.st.FinishTry(j, d.storage) })
	}()
}
