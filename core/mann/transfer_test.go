package mann

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"metaglot/core/modelfile"
)

// TestTransfer: a 5-class one-hot MANN starts a 15-class string-label one
// with every weight but the label code's: the controller's recurrent
// weights, the heads', and the image and read columns of its input
// weights are the file's; the label columns and the output layer stay the
// run's. With the same code everything is the file's; another controller
// is refused.
func TestTransfer(t *testing.T) {
	src := NewParams(Config{Classes: 5}, rand.New(rand.NewPCG(1, 1)))
	dst := NewParams(Config{Classes: 15, Labels: String}, rand.New(rand.NewPCG(2, 2)))
	fresh := dst.Clone()
	left, err := Transfer(dst, modelfile.Config{Labels: "string"}, src, modelfile.Config{Labels: "onehot"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{nameWih, nameWo, nameBo} {
		if !strings.Contains(left, name) {
			t.Errorf("Transfer's account %q does not name %s", left, name)
		}
	}
	for _, name := range []string{nameWhh, nameBih, nameBhh, nameWk, nameBk, nameWg, nameBg} {
		if !slices.Equal(dst.Get(name).Data, src.Get(name).Data) {
			t.Errorf("%s is not the file's", name)
		}
	}
	for _, name := range []string{nameWo, nameBo} {
		if !slices.Equal(dst.Get(name).Data, fresh.Get(name).Data) {
			t.Errorf("%s is not the run's own", name)
		}
	}
	dc := Config{Classes: 15, Labels: String}.withDefaults()
	sc := Config{Classes: 5}.withDefaults()
	P, R, L := dc.pixels(), dc.Heads*dc.Width, dc.outputs()
	di, si := dc.inputs(), sc.inputs()
	d, f, s := dst.Get(nameWih).Data, fresh.Get(nameWih).Data, src.Get(nameWih).Data
	for _, r := range []int{0, 7, 4*dc.Units - 1} {
		drow, frow, srow := d[r*di:(r+1)*di], f[r*di:(r+1)*di], s[r*si:(r+1)*si]
		if !slices.Equal(drow[:P], srow[:P]) {
			t.Errorf("row %d: the image columns are not the file's", r)
		}
		if !slices.Equal(drow[P:P+L], frow[P:P+L]) {
			t.Errorf("row %d: the label columns are not the run's own", r)
		}
		if !slices.Equal(drow[P+L:], srow[si-R:]) {
			t.Errorf("row %d: the read columns are not the file's", r)
		}
	}

	// The same code: all of it.
	same := NewParams(Config{Classes: 5}, rand.New(rand.NewPCG(3, 3)))
	if left, err := Transfer(same, modelfile.Config{}, src, modelfile.Config{Labels: "onehot"}); err != nil || left != "" {
		t.Fatalf("Transfer between one-hot 5-class MANNs: %q, %v", left, err)
	}
	for i := range src.Len() {
		name, s := src.At(i)
		if !slices.Equal(same.Get(name).Data, s.Data) {
			t.Errorf("same code: %s is not the file's", name)
		}
	}

	small := NewParams(Config{Classes: 5, Units: 64}, rand.New(rand.NewPCG(4, 4)))
	if _, err := Transfer(dst, modelfile.Config{Labels: "string"}, small, modelfile.Config{}); err == nil || !strings.Contains(err.Error(), "64 units") {
		t.Errorf("Transfer from a controller of 64 units: %v, want an error naming them", err)
	}
}
