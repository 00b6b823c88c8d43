package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"metaglot/core/algo"
	"metaglot/core/checkpoint"
	"metaglot/core/learner"
	"metaglot/core/onnx"
)

func exportCommand() command {
	return command{name: "export", summary: "write a model's embedding network as ONNX, for onnxruntime", run: runExport}
}

// onnxDoc is the doc_string of exported Conv4 files: what goes in and out.
const onnxDoc = "metaglot Conv4 embedding network, inference mode (BatchNorm running statistics folded into the convolutions). " +
	"Input \"images\": N x 1 x 28 x 28 float32, 1 = ink, 0 = paper, row 0 at the top (metaglot's 28x28 Omniglot bytes / 255). " +
	"Output \"embeddings\": N x 64 float32; classify by the nearest class mean (squared Euclidean distance), as ProtoNet does."

// onnxDocS2 is onnxDoc for the stride-2 network (-net conv4s2).
const onnxDocS2 = "metaglot conv4s2 embedding network (3x3 convolutions of stride 2, no pooling), inference mode (BatchNorm running statistics folded into the convolutions). " +
	"Input \"images\": N x 1 x 28 x 28 float32, 1 = ink, 0 = paper, row 0 at the top (metaglot's 28x28 Omniglot bytes / 255). " +
	"Output \"embeddings\": N x 256 float32 (the last 64 x 2 x 2 activations by channel, row, column); classify by the nearest class mean (squared Euclidean distance), as ProtoNet does."

func runExport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", "-onnx OUT.onnx (-model FILE | -algo "+strings.Join(algo.Names(), "|")+")", stderr)
	out := fs.String("onnx", "", "write the ONNX model to this `file` (replaced if it exists)")
	mf := &modelFlags{
		fs:     fs,
		algo:   fs.String("algo", "", "learner: "+algo.NameList()+"; alone, it picks the bundled assets/models/<algo>.safetensors; with -model, it says what a file without metaglot's metadata (a PyTorch state_dict) holds"),
		model:  fs.String("model", "", "model `file` to export (a metaglot model or checkpoint, or a PyTorch state_dict saved as safetensors with -algo)"),
		assets: fs.String("assets", "", "assets folder, for -algo alone (default: assets/ of the repository around the working directory)"),
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("-onnx OUT.onnx is required")
	}
	if *mf.algo != "" {
		if _, err := algo.Lookup(*mf.algo); err != nil {
			return usageError{err}
		}
	}
	path, err := mf.path("vinyals")
	if err != nil {
		return err
	}
	if same(path, *out) {
		return usagef("-onnx %s is the model file itself: choose another output file", *out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	params, _, m, err := decodeModelAs(path, data, *mf.algo)
	if err != nil {
		return err
	}
	if *mf.algo != "" && *mf.algo != m.Config.Algo {
		return usagef("-algo %s, but %s holds a %s model", *mf.algo, path, m.Config.Algo)
	}
	if !params.Has("encoder.0.0.weight") {
		return fmt.Errorf("%s holds a %s model, which has no Conv4 embedding network (encoder.*) to export", path, m.Config.Algo)
	}
	net := netName(m.Config.Net)
	dim, err := onnx.EmbeddingDim(net)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	doc := onnxDoc
	if net != learner.Conv4.Name {
		doc = onnxDocS2
	}
	// Provenance: the model's metadata (its algorithm, settings and
	// training run) as metaglot keeps it, or for a file without any (a
	// PyTorch state_dict) only what -algo said; and the source file.
	meta := m.encode()
	delete(meta, "metaglot") // model or checkpoint: the ONNX file is neither
	if _, fileMeta, err := checkpoint.Decode(data); err == nil && fileMeta["metaglot"] == "" {
		meta = map[string]string{"algo": m.Config.Algo}
	}
	sum := sha256.Sum256(data)
	meta["source_sha256"] = hex.EncodeToString(sum[:])
	meta["source_file"] = filepath.Base(path)
	b, err := onnx.Export(params, net, onnx.Options{Doc: doc, Metadata: meta})
	if err != nil {
		return fmt.Errorf("%s (%s): %w", path, m.Config.Algo, err)
	}
	if err := checkpoint.WriteFile(*out, b); err != nil {
		return fmt.Errorf("-onnx: %w", err)
	}
	caps := m.Config.spec().Caps
	if bn := m.Config.BN; len(caps.BNModes) > 0 && bn != learner.RunningBN.String() {
		if bn == "" {
			bn = learner.SupportBN.String()
		}
		fmt.Fprintf(stderr, "metaglot export: note: %s normalises with batch statistics (bn %s), but the ONNX network uses its running statistics, as metaglot eval -bn running does\n", path, bn)
	}
	if params.Has(learner.HeadName + ".weight") {
		fmt.Fprintf(stderr, "metaglot export: note: the %d-class head of %s is not exported, only the embedding network\n", m.Config.Way, path)
	}
	fmt.Fprintf(stdout, "%s: %s's %s embeddings (images N×1×28×28 → embeddings N×%d), BatchNorm folded, ONNX IR %d, opset %d, %d bytes\n",
		*out, m.Config.Algo, netLabel(net), dim, onnx.IRVersion, onnx.Opset, len(b))
	return nil
}

// netLabel returns how texts name the network net: "Conv4" or "conv4s2".
func netLabel(net string) string {
	if net == learner.Conv4.Name {
		return "Conv4"
	}
	return net
}

// same reports whether paths a and b name the same file (b need not exist).
func same(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
