package main

import (
	"errors"
	"fmt"
	"syscall/js"
	"time"

	"metaglot/core/learner"
	"metaglot/core/tensor"
	"metaglot/core/train"
	"metaglot/wasm/trainer"
)

// helperName is the name (the Worker constructor's name option, self.name
// inside) of the helper workers the trainer starts for data-parallel
// training: the same worker.js and worker.wasm, which then serve shard
// requests (train.ShardServer) instead of being the trainer.
const helperName = "metaglot-helper"

// isHelper reports whether this program runs as a helper worker.
func isHelper() bool {
	n := js.Global().Get("name")
	return n.Type() == js.TypeString && n.String() == helperName
}

// helperMain serves the trainer's shard requests, one at a time: each
// message is an ArrayBuffer (a train.ShardRequest message), each answer
// an ArrayBuffer (the response), transferred, not copied.
func helperMain() {
	reqs := make(chan js.Value, 8)
	onmessage := js.FuncOf(func(this js.Value, args []js.Value) any {
		reqs <- args[0].Get("data")
		return nil
	})
	js.Global().Set("onmessage", onmessage)
	if q := js.Global().Get("metaglotQueued"); q.Truthy() {
		for i := range q.Length() {
			reqs <- q.Index(i)
		}
	}
	var srv train.ShardServer
	for data := range reqs {
		var resp []byte
		if data.Type() != js.TypeObject || data.Get("byteLength").Type() != js.TypeNumber {
			resp = srv.Handle(nil) // an error response: not a request
		} else {
			resp = srv.Handle(bytesOf(data))
		}
		buf := bufferOf(resp)
		js.Global().Call("postMessage", buf, []any{buf})
	}
}

// bytesOf copies an ArrayBuffer into Go.
func bytesOf(buf js.Value) []byte {
	b := make([]byte, buf.Get("byteLength").Int())
	js.CopyBytesToGo(b, js.Global().Get("Uint8Array").New(buf))
	return b
}

// bufferOf copies b into a new ArrayBuffer.
func bufferOf(b []byte) js.Value {
	u := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u, b)
	return u.Get("buffer")
}

// workerShard is a train.Shard on a helper worker, and a
// trainer.TimedShard: the trainer gives up on a helper that does not
// answer in time, and closes it.
type workerShard struct {
	w      js.Value
	done   chan reply
	fns    []js.Func
	closed bool
}

var _ trainer.TimedShard = (*workerShard)(nil)

type reply struct {
	data js.Value
	err  error
}

// newWorkerShard starts a helper worker: this worker's own script (its
// URL is self.location), named helperName.
func newWorkerShard() (s *workerShard, err error) {
	defer func() {
		if r := recover(); r != nil { // the Worker constructor threw
			s, err = nil, fmt.Errorf("could not start a helper worker: %v", r)
		}
	}()
	url := js.Global().Get("location").Get("href")
	w := js.Global().Get("Worker").New(url, map[string]any{"name": helperName})
	s = &workerShard{w: w, done: make(chan reply, 2)}
	onmessage := js.FuncOf(func(this js.Value, args []js.Value) any {
		s.send(reply{data: args[0].Get("data")})
		return nil
	})
	onerror := js.FuncOf(func(this js.Value, args []js.Value) any {
		msg := "a helper worker failed"
		if m := args[0].Get("message"); m.Type() == js.TypeString {
			msg += ": " + m.String()
		}
		s.send(reply{err: errors.New(msg)})
		return nil
	})
	s.fns = append(s.fns, onmessage, onerror)
	w.Set("onmessage", onmessage)
	w.Set("onerror", onerror)
	return s, nil
}

// send passes a reply to Wait without ever blocking the callback.
func (s *workerShard) send(r reply) {
	select {
	case s.done <- r:
	default:
	}
}

// Start sends the request to the helper (its bytes transferred).
func (s *workerShard) Start(req train.ShardRequest) error {
	b, err := req.Encode()
	if err != nil {
		return err
	}
	// Drop what a failed step may have left.
	for len(s.done) > 0 {
		<-s.done
	}
	buf := bufferOf(b)
	s.w.Call("postMessage", buf, []any{buf})
	return nil
}

// Wait waits for the helper's answer: the Go program sleeps, so the
// browser runs the worker's events meanwhile, the helper's message among
// them.
func (s *workerShard) Wait(out []*tensor.Set, m []learner.Metrics) error {
	return s.result(<-s.done, out, m)
}

// WaitFor is Wait that gives up after d (a browser timer: the helper's
// answer and the timer are both events of this worker), writing nothing.
func (s *workerShard) WaitFor(out []*tensor.Set, m []learner.Metrics, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case r := <-s.done:
		return s.result(r, out, m)
	case <-timer.C:
		return fmt.Errorf("helper worker: %w after %s", trainer.ErrHelperTimeout, d)
	}
}

// Close ends the helper worker (Worker.terminate) and releases its
// callbacks; helpers.shards never hands it out again.
func (s *workerShard) Close() {
	if s.closed {
		return
	}
	s.closed = true
	s.w.Call("terminate")
	for _, f := range s.fns {
		f.Release()
	}
	s.fns = nil
}

// result decodes a helper's reply into out and m.
func (s *workerShard) result(r reply, out []*tensor.Set, m []learner.Metrics) error {
	if r.err != nil {
		return r.err
	}
	if r.data.Type() != js.TypeObject || r.data.Get("byteLength").Type() != js.TypeNumber {
		return errors.New("a helper worker answered something else than a result")
	}
	return train.DecodeShardResponse(bytesOf(r.data), out, m)
}

// helpers are the helper workers of this trainer, started when a run
// first needs them and kept for the following runs.
type helpers struct{ ws []*workerShard }

// shards returns n helpers' shards, starting the missing helpers (and new
// ones for those the trainer gave up on and closed).
func (h *helpers) shards(n int) ([]train.Shard, error) {
	live := h.ws[:0]
	for _, s := range h.ws {
		if !s.closed {
			live = append(live, s)
		}
	}
	h.ws = live
	for len(h.ws) < n {
		s, err := newWorkerShard()
		if err != nil {
			return nil, err
		}
		h.ws = append(h.ws, s)
	}
	out := make([]train.Shard, n)
	for i := range out {
		out[i] = h.ws[i]
	}
	return out, nil
}
