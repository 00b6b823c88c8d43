// Package onnx exports metaglot's embedding network as an ONNX model, for
// users who deploy with onnxruntime (or any ONNX runtime) instead of
// metaglot.
//
// # What is exported
//
// ExportConv4 writes Conv4 (package nn) in inference mode: BatchNorm uses
// the running statistics, which are constants, so each BatchNorm is folded
// into the convolution before it (FoldBatchNorm):
//
//	BN(conv(x; W, b)) = γ·(conv(x; W, b) − μ)/√(σ² + ε) + β
//	                  = conv(x; s·W, s·(b − μ) + β),   s = γ/√(σ² + ε)
//
// per output channel. The graph is four blocks of Conv → Relu → MaxPool
// and a Flatten: 13 nodes, 8 initializers, operator set 13:
//
//	images   N×1×28×28 float32 (1 = ink, 0 = paper; row 0 the top)
//	embeddings  N×64 float32
//
// ExportConv4S2 writes conv4s2, the stride-2 network of Finn et al. and
// Nichol et al. (nn.Conv4S2: the same tensors as Conv4), the same way:
// four blocks of Conv (3×3, strides 2, pads 1) → Relu, no MaxPool
// (28→14→7→4→2), and a Flatten to N×256 in channel, row, column order: 9
// nodes, 8 initializers. Export chooses between the two by the network a
// model's metadata names (modelfile.Config.Net: "" or "conv4", "conv4s2")
// and refuses any other name, as `metaglot export` does.
//
// This is what metaglot computes for a ProtoNet model (whose BatchNorm
// always uses the running statistics) and for FOMAML or Reptile models
// with -bn running. Models that normalise with the support set's
// statistics (-bn support, transductive) compute something else, and a
// learned head is not exported: classify with prototypes (the mean
// embedding of each class's examples, nearest by squared Euclidean
// distance), as ProtoNet does.
//
// # The file
//
// An ONNX file is one protocol buffers message, onnx.ModelProto
// (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto). This package
// writes the few messages it needs by hand (proto.go): no protobuf
// library, no cgo, and the same bytes for the same weights and Options,
// in native Go and in WebAssembly alike. Fields are written in
// field-number order, metadata keys sorted.
//
// # How it is checked
//
// The tests export the PyTorch fixture model of package checkpoint
// (testdata/torch_conv4.safetensors there) and require the very bytes of
// testdata/conv4.onnx, written by `metaglot export`, and metaglot's
// embeddings to be within 1e-5 of what onnxruntime computed from that file
// for six Omniglot images (testdata/ort_embeddings.json, written by
// interop/onnx/run.mjs with onnxruntime-node). The same weights exported
// as conv4s2 (testdata/conv4s2.onnx) must give in onnxruntime
// (testdata/ort_embeddings_conv4s2.json) what nn.Conv4S2, conv4s2 written
// plainly in float64 in the test, and PyTorch's Conv4S2
// (testdata/torch_conv4s2.json, interop/torch/gen_fixtures.py) give. FoldBatchNorm is checked
// against metaglot's own BatchNorm, and the encoder against a small
// protobuf reader in the tests.
package onnx
