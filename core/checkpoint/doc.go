// Package checkpoint saves and loads named tensors — a network's weights,
// an optimizer's state — as safetensors files.
//
// # The format
//
// safetensors (https://github.com/huggingface/safetensors) is three parts:
//
//	8 bytes   N, the header length, an unsigned little-endian integer
//	N bytes   a JSON object, padded with spaces:
//	          {"__metadata__": {"key": "value", ...},
//	           "encoder.0.0.weight": {"dtype": "F32", "shape": [64, 1, 3, 3],
//	                                  "data_offsets": [0, 2304]},
//	           ...}
//	the rest  the data buffer: each tensor's elements, row-major and
//	          little-endian, at [begin, end) of its data_offsets, counted
//	          from the start of the buffer
//
// The tensors tile the buffer exactly: no gaps, no overlap, nothing after
// the last one. "__metadata__" is optional and maps strings to strings;
// metaglot keeps there what a reader needs to rebuild the network (its
// architecture, the training run) without a second file.
//
// # Why safetensors
//
// The same file is read in three places. PyTorch loads it with
//
//	from safetensors.torch import load_file
//	model.load_state_dict(load_file("conv4.safetensors"))  # strict=True
//
// (PyTorch's BatchNorm also keeps a num_batches_tracked counter, which
// metaglot does not. A strict load accepts its absence from a plain dict
// such as load_file's, which carries no state_dict version metadata:
// BatchNorm then fills it in, and PyTorch reads it only with
// momentum=None. Every other name and shape must match. FromPyTorch drops
// the counter on the way in. interop/torch's load_model loads this way
// without the safetensors package, and cmd/metaglot's TestTorchInterop*
// check both directions against PyTorch.)
//
// because tensor names follow PyTorch's state_dict and the layout is
// PyTorch's (NCHW, row-major). The browser fetches the bytes and hands them
// to Decode, with no file system. And the command line reads and writes it
// with Read and Write. Unlike PyTorch's pickle-based .pt files, loading
// runs no code from the file, so a downloaded checkpoint is safe to open;
// unlike a bespoke format, the layout is written down elsewhere and checked
// here against an independent writer (testdata/gen_fixture.py).
//
// # What this package writes and reads
//
// Encode and Write write every tensor as F32, in the order of the Set, with
// metadata keys sorted and the header in compact JSON: the same tensors
// always give the same bytes. Decode and Read accept F32, F16, BF16, F64
// and I64 and convert to float32, so checkpoints saved from PyTorch in half
// precision load too. They check everything a damaged or foreign file can
// get wrong and return an error saying what and where (Read adds the file
// name); they never panic on bad bytes (FuzzDecode checks this). NaN and
// Inf are refused both ways: a checkpoint of diverged weights is an error.
//
// Write is atomic (temporary file, fsync, rename, directory fsync), so a
// crash or a full disk leaves the previous checkpoint intact.
//
// LoadInto copies a loaded Set into a network's parameters, requiring the
// names and shapes to match exactly and listing every mismatch otherwise.
package checkpoint
