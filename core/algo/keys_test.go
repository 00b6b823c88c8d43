package algo_test

import (
	"encoding/json"
	"testing"

	"metaglot/core/modelfile"
)

// configKeys returns the JSON keys of modelfile.Config.
func configKeys(t *testing.T) []string {
	b, err := json.Marshal(modelfile.Config{BN: "x", Net: "x", Labels: "x", Init: "x", Augment: 1, Rotations: true, OneAlphabet: true, ValAlphabets: 1})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}
