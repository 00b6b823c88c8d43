// Command hello is the smallest wasm program, for mkdist's tests.
package main

func main() { println("hello from wasm") }
