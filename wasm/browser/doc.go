// Package browser wraps the few browser APIs that both of the page's
// programs (the page, package main under wasm/, and the training Web
// Worker, wasm/worker) call through syscall/js: promises, fetch,
// ArrayBuffers, Blobs and files the user chose, downloads and
// localStorage. Each lives here once.
//
// Everything that touches syscall/js is in browser_js.go and builds only
// for GOOS=js; the errors (HTTPError) are plain Go and tested natively.
//
// # Waiting for a promise
//
// Await blocks the calling goroutine until a promise settles; JavaScript
// (and the other goroutines) run meanwhile. Call it from a goroutine of
// your own, never from a js.Func callback, which would deadlock the
// browser's only thread:
//
//	go func() {
//		data, err := browser.FetchBytes("assets/omniglot/index.json")
//		...
//	}()
//
// # Fetching
//
// Fetch starts a request (or takes the one page.js started early for the
// same URL, window.metaglotPrefetch) and returns the promise of its
// response; Body waits for it and returns the bytes. Starting several
// fetches before waiting for any downloads them in parallel. A status
// other than 200 is an *HTTPError, and a 404 matches fs.ErrNotExist:
//
//	if errors.Is(err, fs.ErrNotExist) { // the build has no such file
package browser
