package main

import (
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"syscall/js"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"metaglot/core/checkpoint"
	"metaglot/core/nn"
	"metaglot/core/tensor"
	"metaglot/wasm/app"
	"metaglot/wasm/classify"
)

// weightsURL returns where the build puts an algorithm's trained weights.
func weightsURL(algo string) string { return "assets/models/" + algo + ".safetensors" }

func main() {
	// ebiten took window.requestAnimationFrame while the program
	// initialised, and got page.js's gate (see requestFrame); the rest of
	// the page gets the browser's own function back, first thing, before
	// any other script can run and take the gate.
	if gate := js.Global().Get("metaglotFrames"); gate.Truthy() {
		gate.Call("restore")
	}
	seed := uint64(time.Now().UnixNano())
	d, err := newDOM(seed)
	if err != nil {
		js.Global().Get("console").Call("error", err.Error())
		return
	}
	d.startMs = now()
	// page.js starts the program with GOGC=off; the first frame drawn
	// turns the collector on (dom.drawn). Should no frame ever be drawn
	// (no WebGL), it comes on anyway.
	time.AfterFunc(10*time.Second, func() { debug.SetGCPercent(100) })
	st := app.New(time.Now)
	g := newGame(st, d)
	d.restore(st)
	d.bind()
	g.bindPen()
	d.bindFrames()
	d.startTrainer(g)
	exposeState(g)
	// The weights were prefetched beside the program (page.js): taking them
	// before the game loop starts keeps the first frames, which block the
	// browser's only thread, from delaying them.
	loadWeights(d)

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

// loadWeights fetches the trained weights, or falls back to a seeded
// random Conv4 (and says so) when the build has none.
func loadWeights(d *dom) {
	emb, note, err := fetchProtoNet()
	if err != nil {
		emb = classify.NewConv4(nn.NewConv4Params(rand.New(rand.NewPCG(1, 2))))
		note = "Untrained ProtoNet weights (a seeded random Conv4): " + err.Error() + " yet. Classification works, but less well than with trained weights."
	}
	d.do(func(g *Game) {
		g.st.Classifiers["protonet"] = classify.NewProtoNet(emb)
		g.st.WeightsNote = note
		d.weightsReady = true
		d.weightsMs = now()
		g.st.Reclassify()
	})
}

// fetchCheckpoint fetches and decodes an algorithm's weights file.
func fetchCheckpoint(algo string) (*tensor.Set, map[string]string, error) {
	url := weightsURL(algo)
	data, err := fetchBytes(url)
	if notFound(err) {
		return nil, nil, fmt.Errorf("%s is not in this build", url)
	}
	if err != nil {
		return nil, nil, err
	}
	set, meta, err := checkpoint.Decode(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", url, err)
	}
	return set, meta, nil
}

// fetchProtoNet fetches the ProtoNet weights and returns the embedding
// network made of them.
func fetchProtoNet() (*classify.Conv4, string, error) {
	set, meta, err := fetchCheckpoint("protonet")
	if err != nil {
		return nil, "", err
	}
	// A trial forward pass checks names, shapes and values.
	emb := classify.NewConv4(set)
	if _, err := emb.Embed(tensor.New(1, 1, nn.ImageSize, nn.ImageSize)); err != nil {
		return nil, "", fmt.Errorf("%s: %v", weightsURL("protonet"), err)
	}
	return emb, app.TrainedNote("ProtoNet", meta), nil
}

// loadFineTuner fetches the weights of FOMAML or Reptile, the first time
// that algorithm is chosen (they are not part of the first view).
func loadFineTuner(d *dom, algo string) {
	set, meta, err := fetchCheckpoint(algo)
	var ft *classify.FineTuner
	if err == nil {
		ft, err = classify.NewFineTuner(algo, set, meta)
	}
	d.do(func(g *Game) {
		if err != nil {
			g.st.Unavailable[algo] = err.Error()
		} else {
			g.st.Classifiers[algo] = ft
			g.st.WeightsNote = app.TrainedNote(app.AlgorithmLabel(algo), meta) + " " + g.st.WeightsNote
		}
		g.st.Reclassify()
	})
}
