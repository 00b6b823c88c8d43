package trainer

import (
	"bytes"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"metaglot/core/checkpoint"
	"metaglot/core/learner"
	"metaglot/core/nn"
	"metaglot/core/tensor"
	"metaglot/wasm/trainer/weightsfile"
)

// TestParseWeightsRefusesTooLarge: a file above weightsfile.MaxBytes is
// refused by its size, before it is decoded.
func TestParseWeightsRefusesTooLarge(t *testing.T) {
	_, err := ParseWeights(make([]byte, weightsfile.MaxBytes+1))
	if err == nil || !strings.Contains(err.Error(), "the file is 64.0 MB: a weights file has at most 64 MB") {
		t.Errorf("a file of MaxBytes+1: %v", err)
	}
}

// FuzzParseWeights feeds the page's weights import arbitrary bytes: it must
// never panic, and what it accepts must be a network the page runs (Conv4
// or conv4s2, a head as wide as its embeddings) of finite values that the
// page's early checks (weightsfile.Check) accept too.
func FuzzParseWeights(f *testing.F) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, s := range []*tensor.Set{nn.NewConv4Params(rng), learner.NewHeadNetParams(rng, 5)} {
		var buf bytes.Buffer
		if err := checkpoint.Encode(&buf, s, map[string]string{"algo": "fomaml", "episodes": "3"}); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	// A conv4s2 FOMAML model (its config names the net; a 5×256 head).
	var s2 bytes.Buffer
	if err := checkpoint.Encode(&s2, learner.Conv4S2.NewHeadNetParams(rng, 5), map[string]string{"algo": "fomaml", "config": `{"algo":"fomaml","net":"conv4s2","way":5}`}); err != nil {
		f.Fatal(err)
	}
	f.Add(s2.Bytes())
	if b, err := os.ReadFile("../../assets/models/protonet.safetensors"); err == nil {
		f.Add(b)
		f.Add(b[:len(b)-1])
	}
	f.Add([]byte{})
	f.Add([]byte("this is not a weights file at all"))
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := ParseWeights(data)
		if err != nil {
			return
		}
		if err := weightsfile.Check("w", data); err != nil {
			t.Fatalf("ParseWeights accepts the file, weightsfile.Check refuses it: %v", err)
		}
		if w.Params == nil || w.Way < 0 {
			t.Fatalf("accepted weights without parameters (way %d)", w.Way)
		}
		// Of a network the page runs, with a head on its embeddings.
		net, err := learner.NetNamed(w.Net)
		if err != nil {
			t.Fatalf("accepted weights of net %q: %v", w.Net, err)
		}
		if h := w.Params.Get(learner.HeadName + ".weight"); h != nil && h.Shape[1] != net.Dim {
			t.Fatalf("accepted %s weights with a head of shape %v", net, h.Shape)
		}
		for i := range w.Params.Len() {
			if n, p := w.Params.At(i); p.CheckFinite(n) != nil {
				err := p.CheckFinite(n)
				t.Fatalf("accepted weights: %v", err)
			}
		}
	})
}
