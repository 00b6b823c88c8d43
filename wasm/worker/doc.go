// Command worker is the page's trainer: the metaglot core built as a
// second WebAssembly binary (worker.wasm), without ebiten, that runs in a
// Web Worker so that meta-training never blocks the page's drawing. It
// builds only for the browser (GOOS=js GOARCH=wasm); on other systems it
// is a program that says so.
//
// worker.js (beside this file, served at the root of the page) loads Go's
// wasm_exec.js and worker.wasm into the worker. The program then fetches
// the Omniglot sheets (assets/omniglot), says "ready" with the class
// counts of its splits, and carries out the page's commands with a
// trainer.Loop: all the logic is in package trainer (plain Go, tested
// natively); this package moves messages.
//
// # Messages
//
// The page posts JSON strings of trainer.Command, or, for a weights file
// to load, objects {json, bytes}: the command as JSON and the file as an
// ArrayBuffer that postMessage transfers (no copy, no base64), which
// becomes the command's Data. The worker posts objects
// {json, wasmBytes}: json is a trainer.Event as JSON, wasmBytes the size of
// the worker's WebAssembly memory at that moment.
//
// # Helper workers
//
// A run of FOMAML or Reptile that may use several workers (the start
// command's workers) trains with helpers: this program starts its own
// script again as Web Workers named "metaglot-helper" (nested workers,
// when a run first needs them, kept for the following runs), which skip
// the Omniglot sheets and serve core/train shard requests instead
// (helpers_js.go, train.ShardServer). Each meta-step the trainer posts
// each helper an ArrayBuffer with the meta-parameters and its range of
// tasks (transferred, not copied), computes the first range itself, and
// waits — the Go program sleeps, so the worker's events run — for the
// helpers' answers: each task's contribution, combined in task order.
//
// # Staying responsive
//
// Go on WebAssembly runs JavaScript events only while every goroutine
// waits. While training, the worker works in slices of about 50 ms (at
// least one meta-step), then sleeps a millisecond so that the page's
// commands (pause, stop, weights) are read between slices.
package main
