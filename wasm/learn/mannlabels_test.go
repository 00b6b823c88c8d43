package learn

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"metaglot/core/checkpoint"
	"metaglot/core/mann"
	"metaglot/core/modelfile"
)

// TestLoadMANNRefusesStringLabels: the model-based step reads a MANN's
// output units as the task's classes, so a MANN trained with string
// labels (25 output units that are five characters, not 25 classes) is
// refused with a clear error instead of shown as a 25-class one
// (mann.LoadOneHot, tested natively in core/mann).
func TestLoadMANNRefusesStringLabels(t *testing.T) {
	cfg := mann.Spec.Defaults
	cfg.Way, cfg.Labels = 15, "string"
	params := mann.Spec.NewParams(cfg, rand.New(rand.NewPCG(1, 1)))
	var buf bytes.Buffer
	if err := checkpoint.Encode(&buf, params, modelfile.Meta{Kind: modelfile.KindModel, Config: cfg, Episodes: 1}.Encode()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadMANN(buf.Bytes()); err == nil || !strings.Contains(err.Error(), "codes labels as string") {
		t.Fatalf("LoadMANN(a string-label MANN) = %v, want a refusal naming the label code", err)
	}
}
