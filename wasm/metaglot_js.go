package main

import (
	"syscall/js"

	"metaglot/wasm/app"
)

// exposeState defines window.metaglot, a frozen object whose getters read
// the state at the moment they are called:
//
//	ready            weights loaded and a frame drawn after
//	readyMs          performance.now() when it became ready
//	startMs          performance.now() when the Go program started
//	weightsMs        performance.now() when the weights were loaded
//	firstDrawMs      performance.now() of the first frame
//	secondDrawMs     performance.now() of the second frame (the main thread
//	                 is free again once the first is composited)
//	frames           frames run (each one Update and one Draw; the page
//	                 runs frames only when something changed)
//	ticks            Updates run: each applies every action and pointer
//	                 event queued before it
//	paints           frames that changed ebiten's canvas
//	busy             actions or pointer events wait for an Update, or
//	                 background work (embedding, adaptation) is left
//	ink              {draw, query}: points drawn on each pad
//	lastDrawMs       performance.now() of the last frame
//	classes          [{name, examples}]
//	selected         index of the selected class (−1 for none)
//	probabilities    [{name, p}] of the last classification (p null for a
//	                 class without examples), or null
//	best             name of the winning class, or null
//	algorithm        the algorithm classifying: a name of core/algo's
//	                 registry ("protonet", "fomaml", ...)
//	classifyMs       duration of the last classification (Go's time.Now)
//	classifications  number of classifications so far
//	hint, message    the texts the page shows
//	weights          what weights classify
//	wide             whether FOMAML/Reptile adapt their 20-way model (20
//	                 classes with examples: app.WideModels)
//	strokes          {draw, query}: strokes on each pad
//	heldOut          number of real held-out drawings to pick from
//	lakeRun          the Lake et al. run the set is, or null (app.LakeRunView)
//	challenge        the visitor against the background-only model, or
//	                 null (app.ChallengeView)
//	adaptation       {running, done, total, lastMs}: FOMAML/Reptile fine-tuning
//	adapt            FOMAML/Reptile's inner loop, or null for ProtoNet or
//	                 while the weights load: {steps, lr, defaultSteps,
//	                 defaultLR, losses (the support loss at each step so
//	                 far), trace (the query's probabilities after each
//	                 step so far, a row per step done), before and after
//	                 (the query's probabilities with 0 steps and with
//	                 steps; null until classified); probabilities are
//	                 null for a class without examples}
//	unavailable      {algorithm: reason} for algorithms without weights
//	scale            device scale factor the canvas renders at
//	wasmBytes        the size of the program's WebAssembly memory
//
//	train            the Train view: {ready, state, algorithm, episodes,
//	                 total, steps, lastLoss, lastAcc, smoothedLoss,
//	                 smoothedAcc, heldOut [{episode, acc, ci95}], message,
//	                 snapshotEpisode, userPoints (the user's drawings in
//	                 the embedding view), heapBytes, sysBytes, wasmBytes,
//	                 form and sent: the settings the form shows and those
//	                 of the run last started, {algo, init, way, bn, ...}}
//
// It offers no way to change anything: tests act through the page.
func exposeState(g *Game) {
	obj := js.Global().Get("Object").New()
	define := func(name string, get func() any) {
		fn := js.FuncOf(func(this js.Value, args []js.Value) any { return get() })
		g.dom.funcs = append(g.dom.funcs, fn)
		js.Global().Get("Object").Call("defineProperty", obj, name, map[string]any{"get": fn, "enumerable": true})
	}
	st := g.st
	define("ready", func() any { return g.dom.ready })
	define("readyMs", func() any { return g.dom.readyMs })
	define("startMs", func() any { return g.dom.startMs })
	define("weightsMs", func() any { return g.dom.weightsMs })
	define("firstDrawMs", func() any { return g.dom.firstDrawMs })
	define("secondDrawMs", func() any { return g.dom.secondDrawMs })
	define("frames", func() any { return g.frames })
	define("ticks", func() any { return g.ticks })
	define("paints", func() any { return g.paints })
	define("busy", func() any { return len(g.dom.actions) > 0 || g.in.pending() || g.more })
	define("ink", func() any {
		return map[string]any{"draw": st.Points(app.DrawPad), "query": st.Points(app.QueryPad)}
	})
	define("lastDrawMs", func() any { return g.dom.lastDrawMs })
	define("classes", func() any { return st.ClassesView() })
	define("selected", func() any { return st.Selected })
	define("probabilities", func() any { return st.ProbabilitiesView() })
	define("best", func() any {
		if !st.HaveResult {
			return nil
		}
		return st.Classes.Class(st.Result.Best).Name
	})
	define("familiar", func() any {
		if !st.HaveResult || st.FamiliarText == "" {
			return nil
		}
		f := st.Familiar
		return map[string]any{"level": f.Level(), "text": st.FamiliarText, "beyond": f.Beyond, "dist2": f.Dist2, "omniglot": f.FromOmniglot}
	})
	define("embedding", func() any { return embedPoints(g, g.dom.doc.Call("getElementById", "slot-embedding")) })
	define("algorithm", func() any { return st.Algorithm })
	define("classifyMs", func() any { return float64(st.ClassifyTime.Nanoseconds()) / 1e6 })
	define("classifications", func() any { return st.Classifications })
	define("hint", func() any { return st.Hint })
	define("message", func() any { return st.Message })
	define("weights", func() any { return st.WeightsNote })
	define("wide", func() any { return st.WideInUse() })
	define("strokes", func() any {
		return map[string]any{"draw": len(st.Draw.Strokes()), "query": len(st.Query.Strokes())}
	})
	define("heldOut", func() any { return len(st.Omniglot) })
	define("lakeRun", func() any { return st.LakeRunView() })
	define("challenge", func() any { return st.ChallengeView() })
	define("adaptation", func() any {
		return map[string]any{"running": st.Adapting, "done": st.AdaptDone, "total": st.AdaptTotal, "lastMs": float64(st.AdaptTime.Nanoseconds()) / 1e6}
	})
	define("adapt", func() any { return st.AdaptView() })
	define("unavailable", func() any {
		out := map[string]any{}
		for k, v := range st.Unavailable {
			out[k] = v
		}
		return out
	})
	define("scale", func() any { return g.scale })
	define("wasmBytes", func() any {
		if mem := js.Global().Get("metaglotMemoryBytes"); mem.Type() == js.TypeFunction {
			return mem.Invoke()
		}
		return nil
	})
	define("train", func() any { return g.trainState() })
	js.Global().Get("Object").Call("freeze", obj)
	js.Global().Get("Object").Call("defineProperty", js.Global(), "metaglot", map[string]any{"value": obj, "enumerable": true})
}
