// Package hashname names files by their content, so that a file's name
// changes whenever its bytes do and the name can be cached forever.
//
// A content-hashed name puts HexLen lowercase hex digits of the SHA-256 of
// the file's bytes before the last extension:
//
//	app.wasm      → app.0123abcd89.wasm
//	wasm_exec.js  → wasm_exec.5e1f00c2aa.js
//	LICENSE       → LICENSE.0123abcd89      (no extension: appended)
//
// cmd/mkdist makes such names; the server recognises them (Is) and lets
// browsers cache them as immutable. Both sides use this package, so the
// pattern is defined once.
package hashname

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"strings"
)

// HexLen is the number of hex digits of the content hash in a name
// (40 bits: a collision between two versions of one file is out of reach).
const HexLen = 10

// Of returns name with the content hash of content inserted before its last
// extension. name is a base name or a slash-separated path; only its last
// element changes.
func Of(name string, content []byte) string {
	sum := sha256.Sum256(content)
	h := hex.EncodeToString(sum[:])[:HexLen]
	dir, base := path.Split(name)
	ext := path.Ext(base)
	if ext == "" || ext == base {
		return dir + base + "." + h
	}
	return dir + strings.TrimSuffix(base, ext) + "." + h + ext
}

// Is reports whether the last element of name has the form Of makes:
// stem.HASH.ext or stem.HASH, where HASH is exactly HexLen lowercase hex
// digits, ext is letters and digits, and stem is not empty.
func Is(name string) bool {
	base := path.Base(name)
	if ext := path.Ext(base); ext != "" && ext != base && isAlnum(ext[1:]) {
		if hasHash(strings.TrimSuffix(base, ext)) {
			return true
		}
	}
	return hasHash(base)
}

// hasHash reports whether s is "stem.HASH" with a non-empty stem.
func hasHash(s string) bool {
	i := strings.LastIndexByte(s, '.')
	if i <= 0 || len(s)-i-1 != HexLen {
		return false
	}
	for _, c := range s[i+1:] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func isAlnum(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}
