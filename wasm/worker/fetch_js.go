package main

import (
	"errors"
	"fmt"
	"syscall/js"
)

var errNotFound = errors.New("not found")

// await waits for the promise p and returns its value, or its rejection as
// an error. The caller's goroutine waits; JavaScript runs meanwhile.
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	then := js.FuncOf(func(this js.Value, args []js.Value) any {
		ch <- result{v: args[0]}
		return nil
	})
	catch := js.FuncOf(func(this js.Value, args []js.Value) any {
		ch <- result{err: errors.New(args[0].Call("toString").String())}
		return nil
	})
	defer then.Release()
	defer catch.Release()
	p.Call("then", then, catch)
	r := <-ch
	return r.v, r.err
}

// fetchArrayBuffer starts fetching url and returns a promise of its
// response (see bytesOf).
func fetchArrayBuffer(url string) js.Value {
	return js.Global().Call("fetch", url)
}

// bytesOf waits for a fetch promise and returns the body, or an error
// naming url and the HTTP status (wrapping errNotFound for a 404).
func bytesOf(p js.Value, url string) ([]byte, error) {
	resp, err := await(p)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", url, err)
	}
	if !resp.Get("ok").Bool() {
		st := resp.Get("status").Int()
		if st == 404 {
			return nil, fmt.Errorf("%s: HTTP 404: %w", url, errNotFound)
		}
		return nil, fmt.Errorf("%s: HTTP %d", url, st)
	}
	buf, err := await(resp.Call("arrayBuffer"))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", url, err)
	}
	arr := js.Global().Get("Uint8Array").New(buf)
	b := make([]byte, arr.Length())
	js.CopyBytesToGo(b, arr)
	return b, nil
}

// fetchBytes fetches url and returns its body.
func fetchBytes(url string) ([]byte, error) {
	return bytesOf(fetchArrayBuffer(url), url)
}
