#!/bin/sh
# gen.sh: (re)writes core/onnx's fixtures (issue 17, item 5). Run by hand
# from anywhere (needs Go, node ≥ 20 and the npm registry; never run by
# make test):
#
#     sh interop/onnx/gen.sh
#
#   1. metaglot exports the PyTorch fixture Conv4
#      (core/checkpoint/testdata/torch_conv4.safetensors, a plain
#      state_dict, hence -algo protonet) to core/onnx/testdata/conv4.onnx;
#   2. onnxruntime-node (pinned in package-lock.json; --ignore-scripts:
#      its install script only fetches optional CUDA libraries, the CPU
#      runtime ships in the package) runs that file on the fixture's six
#      images and writes core/onnx/testdata/ort_embeddings.json;
#   3. the same weights exported as conv4s2 (the stride-2 network: same
#      tensor names and shapes, another graph) by core/onnx's test with
#      -update to core/onnx/testdata/conv4s2.onnx, and onnxruntime's
#      embeddings of it to core/onnx/testdata/ort_embeddings_conv4s2.json.
# core/onnx's TestORTEmbeddings (and TestORTEmbeddingsConv4S2) then check metaglot against onnxruntime,
# and TestExportDeterministic and cmd/metaglot's TestExportCommand that
# exporting again gives the very same bytes.
set -eu
cd "$(dirname "$0")/../.."
go run ./cmd/metaglot export -algo protonet -model core/checkpoint/testdata/torch_conv4.safetensors -onnx core/onnx/testdata/conv4.onnx
(cd interop/onnx && npm ci --ignore-scripts --no-audit --no-fund)
node interop/onnx/run.mjs
go test ./core/onnx -run 'TestExportConv4S2Deterministic$' -count 1 -update
node interop/onnx/run.mjs core/onnx/testdata/conv4s2.onnx core/checkpoint/testdata/torch_conv4.json core/onnx/testdata/ort_embeddings_conv4s2.json
