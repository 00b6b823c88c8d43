package browser

import (
	"errors"
	"fmt"
	"syscall/js"
)

// Await waits for the promise p and returns its value, or its rejection as
// an error. The caller's goroutine waits while JavaScript runs; never call
// it from a js.Func callback.
func Await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	ok := js.FuncOf(func(this js.Value, args []js.Value) any {
		ch <- result{v: args[0]}
		return nil
	})
	bad := js.FuncOf(func(this js.Value, args []js.Value) any {
		ch <- result{err: errors.New(js.Global().Get("String").Invoke(args[0]).String())}
		return nil
	})
	defer ok.Release()
	defer bad.Release()
	p.Call("then", ok, bad)
	r := <-ch
	return r.v, r.err
}

// Bytes copies an ArrayBuffer (or a typed array) into a new Go slice.
func Bytes(buf js.Value) []byte {
	arr := js.Global().Get("Uint8Array").New(buf)
	b := make([]byte, arr.Length())
	js.CopyBytesToGo(b, arr)
	return b
}

// Fetch starts a GET of url, a path of the page's origin, and returns the
// promise of its Response. A fetch that page.js started early for the
// same url (window.metaglotPrefetch[url]) is taken instead, once.
func Fetch(url string) js.Value {
	if pre := js.Global().Get("metaglotPrefetch"); pre.Truthy() {
		req := pre.Get(url)
		pre.Delete(url)
		if req.Truthy() {
			return req
		}
	}
	return js.Global().Call("fetch", url)
}

// Body waits for resp, a promise of Fetch(url), and returns the body. An
// error names url; a status other than 200 is an *HTTPError.
func Body(resp js.Value, url string) ([]byte, error) {
	r, err := Await(resp)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %v", url, err)
	}
	if !r.Get("ok").Bool() {
		return nil, &HTTPError{URL: url, Status: r.Get("status").Int()}
	}
	buf, err := Await(r.Call("arrayBuffer"))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %v", url, err)
	}
	return Bytes(buf), nil
}

// FetchBytes fetches url and returns its body (Fetch, then Body).
func FetchBytes(url string) ([]byte, error) { return Body(Fetch(url), url) }

// ChosenFile returns the file chosen in a file input (a File), its name
// and size, and resets the input so that choosing the same file again
// fires again. ok is false when no file is chosen.
func ChosenFile(input js.Value) (f js.Value, name string, size int64, ok bool) {
	files := input.Get("files")
	if files.Length() == 0 {
		return js.Undefined(), "", 0, false
	}
	f = files.Index(0)
	name = f.Get("name").String()
	size = int64(f.Get("size").Float())
	input.Set("value", "")
	return f, name, size, true
}

// ReadBlob reads bytes [start, end) of a File or Blob (Await: call it from
// a goroutine).
func ReadBlob(f js.Value, start, end int64) ([]byte, error) {
	buf, err := Await(f.Call("slice", start, end).Call("arrayBuffer"))
	if err != nil {
		return nil, err
	}
	return Bytes(buf), nil
}

// ReadAll returns the whole of a File or Blob as an ArrayBuffer, which
// stays in JavaScript (to transfer to a worker, or to copy with Bytes).
func ReadAll(f js.Value) (js.Value, error) { return Await(f.Call("arrayBuffer")) }

// Download offers data to the user as a file called name.
func Download(name, mime string, data []byte) {
	arr := js.Global().Get("Uint8Array").New(len(data))
	js.CopyBytesToJS(arr, data)
	blob := js.Global().Get("Blob").New([]any{arr}, map[string]any{"type": mime})
	url := js.Global().Get("URL").Call("createObjectURL", blob)
	doc := js.Global().Get("document")
	a := doc.Call("createElement", "a")
	a.Call("setAttribute", "href", url.String())
	a.Call("setAttribute", "download", name)
	doc.Get("body").Call("appendChild", a)
	a.Call("click")
	a.Call("remove")
	var revoke js.Func
	revoke = js.FuncOf(func(this js.Value, args []js.Value) any {
		js.Global().Get("URL").Call("revokeObjectURL", url)
		revoke.Release()
		return nil
	})
	js.Global().Call("setTimeout", revoke, 10000)
}

// Now returns performance.now(): milliseconds since the page (or worker)
// started.
func Now() float64 { return js.Global().Get("performance").Call("now").Float() }

// Storage is window.localStorage, where the browser allows it. Its zero
// value, and one where storage is refused, stores nothing.
type Storage struct{ ls js.Value }

// LocalStorage returns window.localStorage; some private modes throw on
// access, which gives a Storage that refuses every write.
func LocalStorage() (s Storage) {
	defer func() {
		if recover() != nil {
			s = Storage{}
		}
	}()
	return Storage{ls: js.Global().Get("localStorage")}
}

// Get returns the value stored under key; ok is false when there is none
// or storage is refused.
func (s Storage) Get(key string) (v string, ok bool) {
	if !s.ls.Truthy() {
		return "", false
	}
	defer func() {
		if recover() != nil {
			v, ok = "", false
		}
	}()
	r := s.ls.Call("getItem", key)
	if r.IsNull() {
		return "", false
	}
	return r.String(), true
}

// Set stores value under key; the exception a full or refused storage
// throws comes back as an error.
func (s Storage) Set(key, value string) (err error) {
	if !s.ls.Truthy() {
		return errors.New("storage is not available")
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	s.ls.Call("setItem", key, value)
	return nil
}
