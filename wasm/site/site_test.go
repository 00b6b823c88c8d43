package site

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// The paths name files the build serves: the repository's assets/ folder
// is the site's assets/ (cmd/mkdist copies it as it is).
func TestPathsExist(t *testing.T) {
	root := filepath.Join("..", "..")
	ix, err := os.ReadFile(filepath.Join(root, OmniglotIndex))
	if err != nil {
		t.Skipf("assets not built: %v", err)
	}
	var doc struct {
		Alphabets []struct{ File string } `json:"alphabets"`
	}
	if err := json.Unmarshal(ix, &doc); err != nil || len(doc.Alphabets) == 0 {
		t.Fatalf("%s: %v, %d alphabets", OmniglotIndex, err, len(doc.Alphabets))
	}
	paths := []string{OmniglotSheet(doc.Alphabets[0].File)}
	for _, algo := range []string{"protonet", "fomaml", "reptile"} {
		paths = append(paths, Weights(algo))
	}
	for _, p := range paths {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("%s is not in the site: %v", p, err)
		}
	}
}
