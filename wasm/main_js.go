package main

import (
	"fmt"
	"math/rand/v2"
	"syscall/js"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"metaglot/core/checkpoint"
	"metaglot/core/nn"
	"metaglot/core/tensor"
	"metaglot/wasm/app"
	"metaglot/wasm/classify"
)

// weightsURL is where the build puts the trained ProtoNet weights.
const weightsURL = "assets/models/protonet.safetensors"

func main() {
	seed := uint64(time.Now().UnixNano())
	d, err := newDOM(seed)
	if err != nil {
		js.Global().Get("console").Call("error", err.Error())
		return
	}
	st := app.New(time.Now)
	g := newGame(st, d)
	d.restore(st)
	d.bind()
	exposeState(g)
	go loadWeights(d)

	ebiten.SetRunnableOnUnfocused(true)
	ebiten.SetScreenClearedEveryFrame(false)
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
	params, note, err := fetchWeights()
	if err != nil {
		params = nn.NewConv4Params(rand.New(rand.NewPCG(1, 2)))
		note = "Untrained weights (a seeded random Conv4): " + err.Error() + ". Classification works, but less well than with trained weights."
	}
	d.do(func(g *Game) {
		g.st.Classifiers["protonet"] = classify.NewProtoNet(classify.NewConv4(params))
		g.st.WeightsNote = note
		d.weightsReady = true
		g.st.Reclassify()
	})
}

func fetchWeights() (*tensor.Set, string, error) {
	data, err := fetchBytes(weightsURL)
	if notFound(err) {
		return nil, "", fmt.Errorf("%s is not in this build yet", weightsURL)
	}
	if err != nil {
		return nil, "", err
	}
	set, meta, err := checkpoint.Decode(data)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %v", weightsURL, err)
	}
	// A trial forward pass checks names, shapes and values.
	if _, err := classify.NewConv4(set).Embed(tensor.New(1, 1, nn.ImageSize, nn.ImageSize)); err != nil {
		return nil, "", fmt.Errorf("%s: %v", weightsURL, err)
	}
	note := "Trained ProtoNet weights"
	if m := meta["description"]; m != "" {
		note += " (" + m + ")"
	}
	return set, note + ".", nil
}
