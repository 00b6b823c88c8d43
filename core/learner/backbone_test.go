package learner

import (
	"math/rand/v2"
	"strings"
	"testing"

	"metaglot/core/tensor"
)

// TestNetNamed: "" is Conv4, every network is found by its name, and an
// unknown name is an error naming it and the networks there are.
func TestNetNamed(t *testing.T) {
	if n, err := NetNamed(""); err != nil || n.Name != Conv4.Name {
		t.Errorf(`NetNamed(""): %v, %v; want conv4`, n.Name, err)
	}
	for _, name := range NetNames() {
		n, err := NetNamed(name)
		if err != nil || n.Name != name || n.Dim < 1 {
			t.Errorf("NetNamed(%q): %+v, %v", name, n, err)
		}
	}
	_, err := NetNamed("resnet12")
	if err == nil || !strings.Contains(err.Error(), `"resnet12"`) || !strings.Contains(err.Error(), "conv4") {
		t.Errorf(`NetNamed("resnet12"): error %v, want one naming the value and the choices`, err)
	}
}

// TestHeadWidth: each network's head is way×Dim, and its embeddings are
// Dim wide; a head of another width is refused by HeadWay, MetaParams
// and FastWeights (never replaced by a fresh head, as FastWeights did for
// any malformed head before networks were a choice).
func TestHeadWidth(t *testing.T) {
	for _, nt := range nets {
		p, x := randomNetAndImagesOf(nt, rand.New(rand.NewPCG(9, 9)), 4, 3)
		if w := p.Get(HeadName + ".weight"); w.Shape[0] != 4 || w.Shape[1] != nt.Dim {
			t.Errorf("%s: head.weight %v, want [4 %d]", nt.Name, w.Shape, nt.Dim)
		}
		if way, err := nt.HeadWay(p); err != nil || way != 4 {
			t.Errorf("%s: HeadWay %d, %v", nt.Name, way, err)
		}
		emb, err := nt.NewHeadNet(nil, SupportBN).Embed(p, x, true)
		if err != nil {
			t.Fatal(err)
		}
		if emb.Shape[0] != 3 || emb.Shape[1] != nt.Dim {
			t.Errorf("%s: embeddings %v, want [3 %d]", nt.Name, emb.Shape, nt.Dim)
		}
		// The same parameters with a head one wider than nt's.
		wide := p.Clone()
		*wide.Get(HeadName + ".weight") = *tensor.New(4, nt.Dim+1)
		if _, err := nt.HeadWay(wide); err == nil {
			t.Errorf("%s: HeadWay accepts a head of %d inputs", nt.Name, nt.Dim+1)
		}
		if _, err := nt.MetaParams(wide, false); err == nil {
			t.Errorf("%s: MetaParams accepts a head of %d inputs", nt.Name, nt.Dim+1)
		}
		if _, err := nt.FastWeights(wide, 4); err == nil || !strings.Contains(err.Error(), "head") {
			t.Errorf("%s: FastWeights of a head of %d inputs: %v, want an error", nt.Name, nt.Dim+1, err)
		}
		// Without a head: a zero head of nt's width (the prototype head's).
		conv, err := nt.MetaParams(p, true)
		if err != nil {
			t.Fatal(err)
		}
		fast, err := nt.FastWeights(conv, 5)
		if err != nil {
			t.Fatal(err)
		}
		if w := fast.Get(HeadName + ".weight"); w.Shape[0] != 5 || w.Shape[1] != nt.Dim {
			t.Errorf("%s: FastWeights without a head: head.weight %v, want [5 %d]", nt.Name, w.Shape, nt.Dim)
		}
	}
}
