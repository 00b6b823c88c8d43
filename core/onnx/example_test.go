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

// ExampleExport exports the embedding network a model's metadata names
// (modelfile.Config.Net): here conv4s2, whose graph maps "images"
// (N×1×28×28) to 256-d "embeddings"; an unknown net is refused.
func ExampleExport() {
	params := nn.NewConv4Params(rand.New(rand.NewPCG(1, 2)))
	b, err := onnx.Export(params, "conv4s2", onnx.Options{Metadata: map[string]string{"algo": "fomaml", "net": "conv4s2"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	d, _ := onnx.EmbeddingDim("conv4s2")
	fmt.Printf("%d bytes: embeddings of %d values\n", len(b), d)
	_, err = onnx.Export(params, "resnet12", onnx.Options{})
	fmt.Println(err)
	// Output:
	// 447277 bytes: embeddings of 256 values
	// onnx: unknown network "resnet12" (want conv4 or conv4s2)
}
