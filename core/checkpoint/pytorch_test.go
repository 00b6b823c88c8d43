package checkpoint

import (
	"strings"
	"testing"

	"metaglot/core/tensor"
)

func TestFromPyTorch(t *testing.T) {
	src := &tensor.Set{}
	for _, n := range []string{
		"features.0.conv.weight", "features.3.normalize.running_var", "features.0.normalize.num_batches_tracked",
		"features.layer1.conv.bias", "features.layer4.norm.weight", "classifier.weight", "encoder.2.0.weight",
	} {
		src.Add(n, tensor.New(1))
	}
	got, err := FromPyTorch(src)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for i := range got.Len() {
		n, _ := got.At(i)
		names = append(names, n)
	}
	want := "encoder.0.0.weight encoder.3.1.running_var encoder.0.0.bias encoder.3.1.weight head.weight encoder.2.0.weight"
	if strings.Join(names, " ") != want {
		t.Errorf("names %v, want %s", names, want)
	}
	for _, bad := range [][]string{{"features.1.0.conv.weight"}, {"base.2.normalize.bias"}, {"features.0.conv.weight", "features.layer1.conv.weight"}} {
		s := &tensor.Set{}
		for _, n := range bad {
			s.Add(n, tensor.New(1))
		}
		if _, err := FromPyTorch(s); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
