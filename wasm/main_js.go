package main

import (
	"runtime/debug"
	"syscall/js"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"metaglot/wasm/app"
	"metaglot/wasm/browser"
	"metaglot/wasm/site"
)

func main() {
	// ebiten took window.requestAnimationFrame while the program
	// initialised, and got page.js's gate (see requestFrame); the rest of
	// the page gets the browser's own function back, first thing, before
	// any other script can run and take the gate.
	if gate := js.Global().Get("metaglotFrames"); gate.Truthy() {
		gate.Call("restore")
	}
	seed := app.Seed(js.Global().Get("location").Get("search").String(), uint64(time.Now().UnixNano()))
	d, err := newDOM(seed)
	if err != nil {
		js.Global().Get("console").Call("error", err.Error())
		return
	}
	d.startMs = browser.Now()
	// page.js starts the program with GOGC=off; the first frame drawn
	// turns the collector on (dom.drawn). Should no frame ever be drawn
	// (no WebGL), it comes on anyway.
	time.AfterFunc(10*time.Second, func() { debug.SetGCPercent(100) })
	st := app.New(time.Now)
	// Fine-tuning steps run for up to 8 ms of a frame (a 60 Hz frame is
	// 16.7 ms; the rest draws the page).
	st.StepBudget = 8 * time.Millisecond
	g := newGame(st, d)
	st.Load(d.storage)
	st.LoadTrained(d.storage)
	d.bind()
	g.bindPen()
	d.bindFrames()
	d.startTrainer(g)
	d.bindEmbedTip(g)
	d.startLearn(g)
	exposeState(g)
	// The weights were prefetched beside the program (page.js): taking them
	// before the game loop starts keeps the first frames, which block the
	// browser's only thread, from delaying them.
	loadWeights(d, st)

	ebiten.SetRunnableOnUnfocused(true)
	ebiten.SetScreenClearedEveryFrame(false)
	// Frames only when asked for (requestFrame: see Game), not 60
	// a second: an idle page costs next to nothing. The mode is deprecated
	// in favour of SetScreenClearedEveryFrame(false), which skips drawing
	// but still runs Update every frame; this mode is still supported and
	// the only one that stops the loop.
	ebiten.SetFPSMode(ebiten.FPSModeVsyncOffMinimum) //nolint:staticcheck
	// One Update per frame: no catching up on the ticks of idle time.
	ebiten.SetTPS(ebiten.SyncWithFPS)
	ebiten.SetWindowTitle("metaglot")
	// The canvas sits under the HTML: index.html's stylesheet places it
	// (canvas#ebiten-canvas is the only canvas of the page).
	if err := ebiten.RunGame(g); err != nil {
		js.Global().Get("console").Call("error", err.Error())
	}
}

// loadWeights fetches the start algorithm's bundled weights, or falls
// back to a seeded random Conv4 (and says so) when the build has none
// (app.BundledWeights). It runs before the game loop starts.
func loadWeights(d *dom, st *app.State) {
	st.NeedWeights(app.StartAlgorithm)
	w := fetchBundled(app.StartAlgorithm)
	d.do(func(g *Game) {
		g.st.SetWeights(w)
		d.weightsReady = true
		d.weightsMs = browser.Now()
	})
}

// loadBundled fetches the weights of another algorithm, the first time
// it is chosen (they are not part of the first view); run it on a
// goroutine.
func loadBundled(d *dom, algo string) {
	w := fetchBundled(algo)
	d.do(func(g *Game) { g.st.SetWeights(w) })
}

// loadWide fetches algo's wide model (app.WideModels) and puts it in place.
func loadWide(d *dom, algo, model string) {
	path := site.Weights(model)
	data, err := browser.FetchBytes(path)
	w := app.BundledWeights(algo, path, data, err)
	d.do(func(g *Game) { g.st.SetWide(w) })
}

// fetchBundled fetches algo's bundled weights and makes its classifier.
func fetchBundled(algo string) app.Weights {
	path := site.Weights(algo)
	data, err := browser.FetchBytes(path)
	return app.BundledWeights(algo, path, data, err)
}
