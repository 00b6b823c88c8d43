//go:build !js

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "worker: this is the page's trainer; it runs in a browser (build with GOOS=js GOARCH=wasm)")
	os.Exit(2)
}
