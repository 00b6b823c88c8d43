package checkpoint_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"metaglot/core/checkpoint"
	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// torchFixture mirrors testdata/torch_conv4.json, written with
// testdata/torch_conv4.safetensors by interop/torch/gen_fixtures.py from
// PyTorch (float32, one thread): a Conv4 state_dict with real running
// statistics and the embeddings it gives for six Omniglot images.
type torchFixture struct {
	Torch  string `json:"torch"`
	Images []struct {
		Alphabet, Character string
		Rotation            int
		Pixels              []int // 784 bytes, row-major, 255 = ink
	} `json:"images"`
	EmbeddingsEval    []float64            `json:"embeddings_eval"`
	EmbeddingsTrain   []float64            `json:"embeddings_train"`
	RunningAfterTrain map[string][]float64 `json:"running_after_train"`
}

// torchTol is the largest difference allowed between metaglot's float32
// values and PyTorch's float32 ones: issue 17 asks for 1e-5. (PyTorch's
// own float32 embeddings are within 2·10⁻⁶ of float64 here, see the
// fixture's float64_max_abs_diff_*.)
const torchTol = 1e-5

func readTorchFixture(t *testing.T) (*torchFixture, *tensor.Tensor) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "torch_conv4.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx torchFixture
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatalf("torch_conv4.json: %v", err)
	}
	n := len(fx.Images)
	x := tensor.New(n, 1, nn.ImageSize, nn.ImageSize)
	for i, im := range fx.Images {
		if len(im.Pixels) != nn.ImageSize*nn.ImageSize {
			t.Fatalf("image %d: %d pixels", i, len(im.Pixels))
		}
		for j, b := range im.Pixels {
			// As metaglot's Omniglot loader and metaglot_torch: byte/255 in float32.
			x.Data[i*nn.ImageSize*nn.ImageSize+j] = float32(b) / 255
		}
	}
	if len(fx.EmbeddingsEval) != n*nn.EmbeddingDim || len(fx.EmbeddingsTrain) != n*nn.EmbeddingDim {
		t.Fatalf("fixture has %d and %d embedding values for %d images", len(fx.EmbeddingsEval), len(fx.EmbeddingsTrain), n)
	}
	return &fx, x
}

// loadTorchConv4 loads testdata/torch_conv4.safetensors the way metaglot
// loads any model file: Read, FromPyTorch (PyTorch's names and counters
// to metaglot's), then a strict LoadInto into freshly initialised Conv4
// parameters.
func loadTorchConv4(t *testing.T) *tensor.Set {
	t.Helper()
	path := filepath.Join("testdata", "torch_conv4.safetensors")
	raw, meta, err := checkpoint.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	// The file is a plain state_dict: no metaglot metadata, and the four
	// num_batches_tracked counters (I64 scalars) PyTorch keeps.
	if len(meta) != 0 {
		t.Errorf("%s has metadata %v; want a plain state_dict", path, meta)
	}
	for i := range nn.Blocks {
		name := fmt.Sprintf("encoder.%d.1.num_batches_tracked", i)
		if c := raw.Get(name); c == nil || len(c.Shape) != 0 || c.Data[0] < 1 {
			t.Fatalf("%s: %s missing or zero: the fixture must be a state_dict as PyTorch writes it", path, name)
		}
	}
	src, err := checkpoint.FromPyTorch(raw)
	if err != nil {
		t.Fatal(err)
	}
	params := nn.NewConv4Params(rand.New(rand.NewPCG(1, 2)))
	if err := checkpoint.LoadInto(params, src); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return params
}

// maxDiff returns the largest |got−want| and an error naming the first
// value further than torchTol.
func maxDiff(what string, got []float32, want []float64) (float64, error) {
	if len(got) != len(want) {
		return 0, fmt.Errorf("%s: %d values, PyTorch has %d", what, len(got), len(want))
	}
	var worst float64
	var first error
	for i, w := range want {
		d := math.Abs(float64(got[i]) - w)
		worst = max(worst, d)
		if d > torchTol && first == nil {
			first = fmt.Errorf("%s[%d]: metaglot %v, PyTorch %v (difference %.2g > %g)", what, i, got[i], w, d, torchTol)
		}
	}
	return worst, first
}

// TestTorchFixture checks that a Conv4 saved from PyTorch's state_dict()
// loads through metaglot's load path and computes PyTorch's embeddings
// within 1e-5, with BatchNorm in inference mode (the file's running
// statistics) and in training mode (the batch's statistics), and that a
// training-mode forward updates the running statistics as PyTorch's did.
func TestTorchFixture(t *testing.T) {
	fx, x := readTorchFixture(t)
	params := loadTorchConv4(t)
	net := nn.NewConv4(nil)

	emb, err := net.Forward(params, x, false)
	if err != nil {
		t.Fatal(err)
	}
	d, err := maxDiff("inference-mode embeddings", emb.Data, fx.EmbeddingsEval)
	if err != nil {
		t.Error(err)
	}
	t.Logf("inference mode: %d×64 embeddings, largest difference from PyTorch %s: %.2g", len(fx.Images), fx.Torch, d)

	emb, err = net.Forward(params, x, true) // updates params' running statistics
	if err != nil {
		t.Fatal(err)
	}
	d, err = maxDiff("training-mode embeddings", emb.Data, fx.EmbeddingsTrain)
	if err != nil {
		t.Error(err)
	}
	t.Logf("training mode: largest difference %.2g", d)

	var worst float64
	for name, want := range fx.RunningAfterTrain {
		got := params.Get(name)
		if got == nil {
			t.Fatalf("no %s in metaglot's parameters", name)
		}
		d, err := maxDiff(name+" after a training-mode forward", got.Data, want)
		if err != nil {
			t.Error(err)
		}
		worst = max(worst, d)
	}
	if len(fx.RunningAfterTrain) != 2*nn.Blocks {
		t.Errorf("fixture has %d running statistics, want %d", len(fx.RunningAfterTrain), 2*nn.Blocks)
	}
	t.Logf("running statistics after the training-mode forward: largest difference %.2g", worst)
}
