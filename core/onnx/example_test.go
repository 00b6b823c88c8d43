package onnx_test

import (
	"fmt"
	"math/rand/v2"

	"metaglot/core/nn"
	"metaglot/core/onnx"
)

// ExampleExportConv4 exports a Conv4's embedding network. With a trained
// model, params is what the model file holds (metaglot export -onnx does
// this for a file); onnxruntime then maps "images" (N×1×28×28) to
// "embeddings" (N×64).
func ExampleExportConv4() {
	params := nn.NewConv4Params(rand.New(rand.NewPCG(1, 2)))
	b, err := onnx.ExportConv4(params, onnx.Options{Metadata: map[string]string{"algo": "protonet"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d bytes: %q → %q, IR %d, opset %d\n", len(b), onnx.InputName, onnx.OutputName, onnx.IRVersion, onnx.Opset)
	// Output: 447535 bytes: "images" → "embeddings", IR 7, opset 13
}
