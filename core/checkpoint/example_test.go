package checkpoint_test

import (
	"bytes"
	"fmt"

	"metaglot/core/checkpoint"
	"metaglot/core/tensor"
)

// Encode a set of tensors with metadata and decode it back, as the browser
// does with the bytes of a fetched checkpoint.
func ExampleDecode() {
	var weights tensor.Set
	weights.Add("encoder.0.0.weight", tensor.New(64, 1, 3, 3))
	weights.Add("encoder.0.0.bias", tensor.FromData([]float32{0.5, -0.5}, 2))
	var buf bytes.Buffer
	if err := checkpoint.Encode(&buf, &weights, map[string]string{"arch": "conv4"}); err != nil {
		fmt.Println(err)
		return
	}
	got, meta, err := checkpoint.Decode(buf.Bytes())
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range got.Len() {
		name, t := got.At(i)
		fmt.Println(name, tensor.ShapeString(t.Shape))
	}
	fmt.Println(meta["arch"], got.Get("encoder.0.0.bias").Data)

	// A model with another shape is refused, naming the problem.
	var model tensor.Set
	model.Add("encoder.0.0.weight", tensor.New(32, 1, 3, 3))
	model.Add("encoder.0.0.bias", tensor.New(2))
	fmt.Println(checkpoint.LoadInto(&model, got))
	// Output:
	// encoder.0.0.weight [64 1 3 3]
	// encoder.0.0.bias [2]
	// conv4 [0.5 -0.5]
	// checkpoint does not fit the model (2 tensors in the model, 2 in the checkpoint): 1 of another shape: "encoder.0.0.weight" is [64 1 3 3] in the checkpoint, [32 1 3 3] in the model
}
