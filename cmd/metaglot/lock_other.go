//go:build !unix

package main

// lockRun does nothing where there are no file locks (js/wasm, Windows):
// there, nothing stops two runs from writing the same directory.
func lockRun(dir string) (func(), error) { return func() {}, nil }
