// Package notmain is not a main package, for mkdist's tests.
package notmain
