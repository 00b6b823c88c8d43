package main

import (
	"fmt"
	"runtime"
	"syscall/js"
	"time"

	"metaglot/core/omniglot"
	"metaglot/wasm/browser"
	"metaglot/wasm/site"
	"metaglot/wasm/trainer"
	"metaglot/wasm/trainer/protocol"
	"metaglot/wasm/trainer/weightsfile"
)

// slice is how long the worker trains before it reads messages again.
const slice = 50 * time.Millisecond

func main() {
	if isHelper() {
		helperMain()
		return
	}
	w := &worker{cmds: make(chan protocol.Command, 256)}
	onmessage := js.FuncOf(func(this js.Value, args []js.Value) any {
		w.enqueue(args[0].Get("data"))
		return nil
	})
	js.Global().Set("onmessage", onmessage)
	// Messages that arrived while the program loaded (worker.js kept them).
	if q := js.Global().Get("metaglotQueued"); q.Truthy() {
		for i := range q.Length() {
			w.enqueue(q.Index(i))
		}
	}
	ds, err := w.loadData()
	if err != nil {
		w.post(protocol.Event{Type: protocol.EvError, Msg: "The trainer could not load the Omniglot images: " + err.Error()})
		select {}
	}
	tr, err := trainer.New(ds, nil, time.Now)
	if err != nil {
		w.post(protocol.Event{Type: protocol.EvError, Msg: "The trainer could not start: " + err.Error()})
		select {}
	}
	var hs helpers
	tr.Shards = hs.shards
	l := trainer.NewLoop(tr, time.Now)
	l.Bundled = bundled
	l.Mem = func() (uint64, uint64) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc, m.Sys
	}
	lim := tr.Limits()
	w.post(protocol.Event{Type: protocol.EvReady, Limits: &lim})
	for {
		if !l.Busy() {
			w.postAll(l.Handle(<-w.cmds)) // waits: JavaScript runs meanwhile
			continue
		}
		for more := true; more; {
			select {
			case c := <-w.cmds:
				w.postAll(l.Handle(c))
			default:
				more = false
			}
		}
		if l.Busy() {
			w.postAll(l.Work(slice))
			time.Sleep(time.Millisecond)
		}
	}
}

// worker moves messages between the page and the trainer.
type worker struct {
	cmds chan protocol.Command
}

// enqueue parses a command posted by the page; a bad one is answered at
// once. A command is a JSON string, or an object {json, bytes} whose
// bytes (an ArrayBuffer, transferred rather than copied by postMessage)
// become the command's Data: a weights file to load travels that way,
// without base64 or JSON. Bytes beyond weightsfile.MaxBytes are refused
// before they are copied into Go.
func (w *worker) enqueue(data js.Value) {
	var raw js.Value
	if data.Type() == js.TypeObject {
		raw = data.Get("bytes")
		data = data.Get("json")
	}
	if data.Type() != js.TypeString {
		w.post(protocol.Event{Type: protocol.EvError, Msg: "trainer: a command must be a JSON string or {json, bytes}"})
		return
	}
	c, err := protocol.DecodeCommand(data.String())
	if err != nil {
		w.post(protocol.Event{Type: protocol.EvError, Msg: err.Error()})
		return
	}
	if raw.Truthy() {
		n := raw.Get("byteLength").Int()
		if err := weightsfile.CheckSize("the file", int64(n)); err != nil {
			w.post(protocol.Event{Type: protocol.EvError, Msg: "the weights were not loaded, the current ones are kept: " + err.Error()})
			return
		}
		c.Data = make([]byte, n)
		js.CopyBytesToGo(c.Data, js.Global().Get("Uint8Array").New(raw))
	}
	select {
	case w.cmds <- c:
	default:
		w.post(protocol.Event{Type: protocol.EvError, Msg: "trainer: too many commands at once; " + c.Type + " was dropped"})
	}
}

func (w *worker) post(e protocol.Event) {
	msg := map[string]any{"json": protocol.Encode(e)}
	if mem := js.Global().Get("metaglotMemoryBytes"); mem.Type() == js.TypeFunction {
		msg["wasmBytes"] = mem.Invoke()
	}
	js.Global().Call("postMessage", msg)
}

func (w *worker) postAll(ev []protocol.Event) {
	for _, e := range ev {
		w.post(e)
	}
}

// loadData fetches index.json and the sheets of every alphabet the
// trainer's splits need, saying how far it is.
func (w *worker) loadData() (*omniglot.Dataset, error) {
	b, err := browser.FetchBytes(site.OmniglotIndex)
	if err != nil {
		return nil, err
	}
	ix, err := omniglot.ParseIndex(b)
	if err != nil {
		return nil, err
	}
	ds := omniglot.New(ix)
	names, paths, err := sheets(ds)
	if err != nil {
		return nil, err
	}
	// Start every download at once; decode them in order.
	responses := make([]js.Value, len(paths))
	for i, p := range paths {
		responses[i] = browser.Fetch(p)
	}
	for i, n := range names {
		if i%5 == 0 {
			w.post(protocol.Event{Type: protocol.EvLoading, Msg: fmt.Sprintf("Loading the Omniglot images: alphabet %d of %d", i+1, len(names))})
		}
		b, err := browser.Body(responses[i], paths[i])
		if err != nil {
			return nil, err
		}
		if err := ds.AddAlphabetSheet(n, b); err != nil {
			return nil, err
		}
	}
	return ds, nil
}

// bundled fetches and parses the build's weights for algo.
func bundled(algo string) (*trainer.Weights, error) {
	path := site.Weights(algo)
	data, err := browser.FetchBytes(path)
	return bundledWeights(algo, path, data, err)
}
