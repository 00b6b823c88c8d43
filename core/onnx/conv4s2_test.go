package onnx_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"metaglot/core/nn"
	"metaglot/core/onnx"
	"metaglot/core/tensor"
)

// The conv4s2 fixtures: package checkpoint's PyTorch Conv4 exported as
// conv4s2 (the two networks have the same tensor names and shapes, so the
// same weights serve both) and what onnxruntime computed from that file
// for the fixture's six images. interop/onnx/gen.sh writes both: the first
// with `go test ./core/onnx -run TestExportConv4S2Deterministic -update`.
var (
	onnxS2File  = filepath.Join("testdata", "conv4s2.onnx")
	torchS2File = filepath.Join("testdata", "torch_conv4s2.json") // interop/torch/gen_fixtures.py
	ortS2File   = filepath.Join("testdata", "ort_embeddings_conv4s2.json")
	update      = flag.Bool("update", false, "rewrite testdata/conv4s2.onnx from the PyTorch fixture model")
)

// s2Options are the Options of the committed conv4s2 file.
var s2Options = onnx.Options{
	Doc:      "conv4s2 fixture: core/checkpoint/testdata/torch_conv4.safetensors (random PyTorch weights with real running statistics) exported as conv4s2.",
	Metadata: map[string]string{"net": onnx.NetConv4S2, "source_file": "torch_conv4.safetensors"},
}

// TestExportConv4S2Deterministic: exporting the fixture model as conv4s2
// gives the committed file's very bytes (the file onnxruntime ran, see
// TestORTEmbeddingsConv4S2), every time, and Export with the net's name
// gives the same bytes as ExportConv4S2.
func TestExportConv4S2Deterministic(t *testing.T) {
	p := loadFixtureModel(t)
	got, err := onnx.ExportConv4S2(p, s2Options)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(onnxS2File, got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", onnxS2File, len(got))
	}
	want, err := os.ReadFile(onnxS2File)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		again, err := onnx.Export(p, onnx.NetConv4S2, s2Options)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, want) || !bytes.Equal(got, want) {
			t.Fatalf("export %d: %d bytes differ from %s (%d bytes); if the exporter changed on purpose, run sh interop/onnx/gen.sh", i, len(again), onnxS2File, len(want))
		}
	}
}

// TestExportChoosesNet: Export writes Conv4's graph for "" and "conv4"
// (every model file before conv4s2 says nothing of its net), conv4s2's for
// "conv4s2", and refuses any other name with an error naming it.
func TestExportChoosesNet(t *testing.T) {
	p := loadFixtureModel(t)
	c4, err := onnx.ExportConv4(p, onnx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := onnx.ExportConv4S2(p, onnx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(c4, s2) {
		t.Fatal("Conv4 and conv4s2 exports are the same bytes")
	}
	for net, want := range map[string][]byte{"": c4, "conv4": c4, "conv4s2": s2} {
		got, err := onnx.Export(p, net, onnx.Options{})
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("Export(net %q): %d bytes, %v; want the %d bytes of its own network", net, len(got), err, len(want))
		}
	}
	for _, net := range []string{"conv4s3", "Conv4S2", "resnet12", " conv4"} {
		b, err := onnx.Export(p, net, onnx.Options{})
		if err == nil || b != nil || !strings.Contains(err.Error(), fmt.Sprintf("unknown network %q", net)) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Export(net %q): %d bytes, error %v; want one line naming the network", net, len(b), err)
		}
		if _, err := onnx.EmbeddingDim(net); err == nil {
			t.Errorf("EmbeddingDim(%q): no error", net)
		}
	}
	for net, want := range map[string]int{"": 64, "conv4": 64, "conv4s2": 256} {
		if d, err := onnx.EmbeddingDim(net); d != want || err != nil {
			t.Errorf("EmbeddingDim(%q) = %d, %v; want %d", net, d, err, want)
		}
	}
	// The parameters are checked as for Conv4.
	q := p.Clone()
	q.Get("encoder.2.0.weight").Data[3] = float32(math.Inf(1))
	if _, err := onnx.ExportConv4S2(q, onnx.Options{}); err == nil || !strings.Contains(err.Error(), "encoder.2.0.weight") {
		t.Errorf("ExportConv4S2 of an Inf weight: %v", err)
	}
}

// referenceS2 is conv4s2 in inference mode written plainly in float64 for
// the first n images of x: per block, a 3×3 convolution with stride 2 and
// padding 1 (PyTorch's Conv2d(cin, 64, 3, stride=2, padding=1): output
// row y reads input rows 2y−1, 2y, 2y+1), then, if bn, BatchNorm with the
// running statistics, then ReLU; no pooling. The result is each image's
// 64×2×2 values in channel, row, column order. Given the folded
// convolutions and bn false, it is the exported graph.
func referenceS2(p *tensor.Set, x *tensor.Tensor, n int, bn bool) []float64 {
	const s = nn.ImageSize
	var out []float64
	for img := range n {
		cin, h := 1, s
		a := make([]float64, h*h)
		for j := range a {
			a[j] = float64(x.Data[img*s*s+j])
		}
		for i := range nn.Blocks {
			pre := fmt.Sprintf("encoder.%d.", i)
			w, b := p.Get(pre+"0.weight").Data, p.Get(pre+"0.bias").Data
			ho := (h-1)/2 + 1 // (h + 2·1 − 3)/2 + 1: 28, 14, 7, 4 → 14, 7, 4, 2
			z := make([]float64, nn.Filters*ho*ho)
			for co := range nn.Filters {
				for y := range ho {
					for xx := range ho {
						v := float64(b[co])
						for ci := range cin {
							for ky := range 3 {
								for kx := range 3 {
									yy, xk := 2*y+ky-1, 2*xx+kx-1
									if yy >= 0 && yy < h && xk >= 0 && xk < h {
										v += float64(w[((co*cin+ci)*3+ky)*3+kx]) * a[(ci*h+yy)*h+xk]
									}
								}
							}
						}
						if bn {
							g, be := float64(p.Get(pre + "1.weight").Data[co]), float64(p.Get(pre + "1.bias").Data[co])
							mu, va := float64(p.Get(pre + "1.running_mean").Data[co]), float64(p.Get(pre + "1.running_var").Data[co])
							v = g*(v-mu)/math.Sqrt(va+nn.BNEps) + be
						}
						z[(co*ho+y)*ho+xx] = max(v, 0)
					}
				}
			}
			a, cin, h = z, nn.Filters, ho
		}
		out = append(out, a...)
	}
	return out
}

// TestORTEmbeddingsConv4S2: what onnxruntime computed from the committed
// conv4s2 file for the fixture images is within 1e-5 of metaglot's
// nn.Conv4S2 in inference mode, of conv4s2 with
// BatchNorm written plainly in float64 (referenceS2, unfolded) and of
// PyTorch's Conv4S2 with the same weights (interop/torch, nn.Conv2d with
// stride=2, padding=1): so the exported graph's strides, padding, missing
// pooling and flattening order are checked against two other
// implementations of the network, not against the exporter's own
// arithmetic; and that file is the one committed.
func TestORTEmbeddingsConv4S2(t *testing.T) {
	ort := readORT(t, ortS2File, onnxS2File)
	x := fixtureImages(t)
	n := x.Shape[0]
	if len(ort) != n*onnx.Conv4S2EmbeddingDim {
		t.Fatalf("onnxruntime gave %d values for %d images, want %d×%d", len(ort), n, n, onnx.Conv4S2EmbeddingDim)
	}
	want := referenceS2(loadFixtureModel(t), x, n, true)
	var worst float64
	for i, w := range want {
		d := math.Abs(ort[i] - w)
		worst = max(worst, d)
		if d > tol {
			t.Errorf("embedding %d of image %d: onnxruntime %v, float64 conv4s2 %v", i%onnx.Conv4S2EmbeddingDim, i/onnx.Conv4S2EmbeddingDim, ort[i], w)
		}
	}
	raw, err := os.ReadFile(torchS2File)
	if err != nil {
		t.Fatal(err)
	}
	var pt struct {
		Net        string    `json:"net"`
		Embeddings []float64 `json:"embeddings_eval"`
	}
	if err := json.Unmarshal(raw, &pt); err != nil {
		t.Fatalf("%s: %v", torchS2File, err)
	}
	if pt.Net != onnx.NetConv4S2 || len(pt.Embeddings) != len(ort) {
		t.Fatalf("%s: net %q, %d values; want conv4s2, %d", torchS2File, pt.Net, len(pt.Embeddings), len(ort))
	}
	var worstPT float64
	for i, w := range pt.Embeddings {
		d := math.Abs(ort[i] - w)
		worstPT = max(worstPT, d)
		if d > tol {
			t.Errorf("embedding %d of image %d: onnxruntime %v, PyTorch %v", i%onnx.Conv4S2EmbeddingDim, i/onnx.Conv4S2EmbeddingDim, ort[i], w)
		}
	}
	// And metaglot's own conv4s2 (nn.Conv4S2, inference mode), which the
	// exported file stands for.
	emb, err := nn.NewConv4S2(nil).Forward(loadFixtureModel(t), x, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(emb.Data) != len(ort) {
		t.Fatalf("nn.Conv4S2 gave %d values, onnxruntime %d", len(emb.Data), len(ort))
	}
	var worstGo float64
	for i, v := range emb.Data {
		d := math.Abs(float64(v) - ort[i])
		worstGo = max(worstGo, d)
		if d > tol {
			t.Errorf("embedding %d of image %d: metaglot %v, onnxruntime %v", i%onnx.Conv4S2EmbeddingDim, i/onnx.Conv4S2EmbeddingDim, v, ort[i])
		}
	}
	t.Logf("%d×256 embeddings: largest difference of onnxruntime from metaglot's nn.Conv4S2 %.2g, from float64 conv4s2 %.2g, from PyTorch %.2g", n, worstGo, worst, worstPT)
}

// readORT reads what interop/onnx/run.mjs wrote to path for the model
// file model, and checks that it was computed from that very file.
func readORT(t *testing.T, path, model string) []float64 {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ort struct {
		SHA256     string    `json:"model_sha256"`
		Embeddings []float64 `json:"embeddings"`
	}
	if err := json.Unmarshal(raw, &ort); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != ort.SHA256 {
		t.Fatalf("%s was computed from another model than %s: run sh interop/onnx/gen.sh", path, model)
	}
	return ort.Embeddings
}

// TestFoldBatchNormConv4S2: the folded convolutions alone compute what
// conv4s2 with BatchNorm computes (float64, two fixture images): the
// folding does not depend on the stride.
func TestFoldBatchNormConv4S2(t *testing.T) {
	p := loadFixtureModel(t)
	x := fixtureImages(t)
	folded, err := onnx.FoldBatchNorm(p)
	if err != nil {
		t.Fatal(err)
	}
	want := referenceS2(p, x, 2, true)
	got := referenceS2(folded, x, 2, false)
	var worst float64
	for i := range want {
		worst = max(worst, math.Abs(got[i]-want[i]))
	}
	if worst > tol {
		t.Errorf("folded conv4s2 differs from conv4s2 with BatchNorm by %.2g", worst)
	}
}

// TestGraphConv4S2 reads the exported conv4s2 model back with the test's
// protobuf reader: nine nodes (Conv with strides 2 and pads 1 and Relu,
// four times; no MaxPool; Flatten on axis 1), each reading the previous
// one's output, the folded initializers and an N×256 output.
func TestGraphConv4S2(t *testing.T) {
	p := loadFixtureModel(t)
	b, err := onnx.ExportConv4S2(p, onnx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := parse(t, b)
	if ir := get(m, 1); len(ir) != 1 || ir[0].v != onnx.IRVersion {
		t.Errorf("ir_version %v", ir)
	}
	g := parse(t, get(m, 7)[0].b)
	var ops []string
	prev := onnx.InputName
	convs := 0
	for i, nf := range get(g, 1) {
		n := parse(t, nf.b)
		op := string(get(n, 4)[0].b)
		ops = append(ops, op)
		ins := get(n, 1)
		if len(ins) == 0 || string(ins[0].b) != prev {
			t.Errorf("node %d (%s) does not read the previous node's output %q", i, op, prev)
		}
		prev = string(get(n, 2)[0].b)
		attrs := map[string][]int64{}
		for _, af := range get(n, 5) {
			a := parse(t, af.b)
			var vs []int64
			for _, f := range get(a, 8) {
				vs = append(vs, int64(f.v))
			}
			for _, f := range get(a, 3) {
				vs = append(vs, int64(f.v))
			}
			attrs[string(get(a, 1)[0].b)] = vs
		}
		switch op {
		case "Conv":
			w, bias := fmt.Sprintf("encoder.%d.0.weight", convs), fmt.Sprintf("encoder.%d.0.bias", convs)
			if len(ins) != 3 || string(ins[1].b) != w || string(ins[2].b) != bias {
				t.Errorf("Conv %d: %d inputs, want the previous output, %s and %s", convs, len(ins), w, bias)
			}
			if !slices.Equal(attrs["kernel_shape"], []int64{3, 3}) || !slices.Equal(attrs["pads"], []int64{1, 1, 1, 1}) ||
				!slices.Equal(attrs["strides"], []int64{2, 2}) || !slices.Equal(attrs["dilations"], []int64{1, 1}) {
				t.Errorf("Conv %d attributes %v", convs, attrs)
			}
			convs++
		case "Flatten":
			if !slices.Equal(attrs["axis"], []int64{1}) {
				t.Errorf("Flatten attributes %v", attrs)
			}
		}
	}
	if want := strings.Repeat("Conv Relu ", nn.Blocks) + "Flatten"; strings.Join(ops, " ") != want {
		t.Errorf("nodes %v, want %s", ops, want)
	}
	if prev != onnx.OutputName {
		t.Errorf("last node writes %q, want %q", prev, onnx.OutputName)
	}
	folded, err := onnx.FoldBatchNorm(p)
	if err != nil {
		t.Fatal(err)
	}
	inits := get(g, 5)
	if len(inits) != folded.Len() {
		t.Fatalf("%d initializers, want %d", len(inits), folded.Len())
	}
	for i, f := range inits {
		tp := parse(t, f.b)
		name, w := folded.At(i)
		raw := get(tp, 9)[0].b
		if string(get(tp, 8)[0].b) != name || len(raw) != 4*len(w.Data) {
			t.Fatalf("initializer %d: %s, %d bytes; want %s, %d", i, get(tp, 8)[0].b, len(raw), name, 4*len(w.Data))
		}
		for j, v := range w.Data {
			if math.Float32frombits(binary.LittleEndian.Uint32(raw[4*j:])) != v {
				t.Fatalf("%s[%d] differs from FoldBatchNorm's", name, j)
			}
		}
	}
	out := parse(t, get(g, 12)[0].b)
	tt := parse(t, get(parse(t, get(out, 2)[0].b), 1)[0].b)
	dims := get(parse(t, get(tt, 2)[0].b), 1)
	if len(dims) != 2 || string(get(parse(t, dims[0].b), 2)[0].b) != "N" || get(parse(t, dims[1].b), 1)[0].v != onnx.Conv4S2EmbeddingDim {
		t.Errorf("output shape: %d dims, want N×256", len(dims))
	}
}
