// Package site names the files of the static site (cmd/mkdist's output,
// the repository's assets/ folder as it is served) that the page and the
// training worker fetch, relative to the page. Both programs take the
// paths from here, so a file moved in the build is moved in one place.
package site

// OmniglotDir is the folder of the Omniglot sprite sheets and their index.
const OmniglotDir = "assets/omniglot/"

// OmniglotIndex is the Omniglot index (omniglot.ParseIndex reads it).
const OmniglotIndex = OmniglotDir + "index.json"

// OmniglotSheet returns the path of a sprite sheet named by the index
// (omniglot.Alphabet.File, relative to the index).
func OmniglotSheet(file string) string { return OmniglotDir + file }

// Weights returns the path of the bundled weights of an algorithm
// ("protonet" → "assets/models/protonet.safetensors").
func Weights(algo string) string { return "assets/models/" + algo + ".safetensors" }
