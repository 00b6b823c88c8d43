package onnx

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"metaglot/core/nn"
	"metaglot/core/tensor"
)

// Versions written into every file.
const (
	// IRVersion is the ONNX IR version, 7: the one that goes with opset 13
	// (ONNX 1.8), read by every onnxruntime since 1.6.
	IRVersion = 7
	// Opset is the version of the default operator set: Conv, Relu,
	// MaxPool and Flatten as of opset 13.
	Opset = 13
	// Producer is the producer_name of the files.
	Producer = "metaglot"
)

// Tensor names of the graph's input and output.
const (
	InputName  = "images"     // N×1×28×28 float32, 1 = ink, 0 = paper
	OutputName = "embeddings" // N×64 float32 (Conv4) or N×256 (conv4s2)
)

// Options are what a file says about itself besides the network. The zero
// value writes none of it.
type Options struct {
	// ProducerVersion is written as producer_version (a metaglot version,
	// say). Leave it empty for bytes that do not depend on the build.
	ProducerVersion string
	// Doc is the model's doc_string: what it is and how to feed it.
	Doc string
	// Metadata is written as metadata_props, in sorted key order (where
	// the model came from: its algorithm, its training run).
	Metadata map[string]string
}

// ONNX enums used here (onnx.proto).
const (
	tensorFloat = 1 // TensorProto.DataType FLOAT
	attrInt     = 2 // AttributeProto.AttributeType INT
	attrInts    = 7 // AttributeProto.AttributeType INTS
)

// FoldBatchNorm returns the convolutions of Conv4 with each inference-mode
// BatchNorm folded in: for block i and output channel c, with
// s = γ_c/√(running_var_c + ε) (ε = nn.BNEps),
//
//	W'_c = s·W_c,  b'_c = s·(b_c − running_mean_c) + β_c
//
// so that conv(x; W', b') = BatchNorm(conv(x; W, b)) with the running
// statistics. The products are taken in float64 and rounded once to
// float32. The result holds "encoder.{i}.0.weight" and
// "encoder.{i}.0.bias" (new tensors; params is not changed). It returns an
// error if params lacks a Conv4 tensor, has one of another shape, or holds
// a NaN, an Inf or a negative running variance; tensors outside Conv4 (a
// head) are ignored.
func FoldBatchNorm(params *tensor.Set) (*tensor.Set, error) {
	if params == nil {
		return nil, fmt.Errorf("onnx: nil parameter set")
	}
	out := &tensor.Set{}
	for i := range nn.Blocks {
		pre := fmt.Sprintf("encoder.%d.", i)
		cin := nn.Filters
		if i == 0 {
			cin = 1
		}
		get := func(name string, shape ...int) ([]float32, error) {
			t := params.Get(pre + name)
			if t == nil {
				return nil, fmt.Errorf("onnx: missing tensor %q (want shape %v): not a metaglot Conv4", pre+name, tensor.ShapeString(shape))
			}
			if !tensor.SameShape(t.Shape, shape) || len(t.Data) != tensor.Size(shape) {
				return nil, fmt.Errorf("onnx: tensor %q has shape %v, want %v", pre+name, tensor.ShapeString(t.Shape), tensor.ShapeString(shape))
			}
			if err := t.CheckFinite(pre + name); err != nil {
				return nil, fmt.Errorf("onnx: %w", err)
			}
			return t.Data, nil
		}
		var w, b, gamma, beta, mean, variance []float32
		var err error
		for _, f := range []struct {
			dst   *[]float32
			name  string
			shape []int
		}{
			{&w, "0.weight", []int{nn.Filters, cin, 3, 3}}, {&b, "0.bias", []int{nn.Filters}},
			{&gamma, "1.weight", []int{nn.Filters}}, {&beta, "1.bias", []int{nn.Filters}},
			{&mean, "1.running_mean", []int{nn.Filters}}, {&variance, "1.running_var", []int{nn.Filters}},
		} {
			if *f.dst, err = get(f.name, f.shape...); err != nil {
				return nil, err
			}
		}
		fw, fb := tensor.New(nn.Filters, cin, 3, 3), tensor.New(nn.Filters)
		k := cin * 9
		for c := range nn.Filters {
			if variance[c] < 0 {
				return nil, fmt.Errorf("onnx: tensor %q: channel %d has a negative running variance %v", pre+"1.running_var", c, variance[c])
			}
			s := float64(gamma[c]) / math.Sqrt(float64(variance[c])+nn.BNEps)
			for j := c * k; j < (c+1)*k; j++ {
				fw.Data[j] = float32(s * float64(w[j]))
			}
			fb.Data[c] = float32(s*(float64(b[c])-float64(mean[c])) + float64(beta[c]))
		}
		out.Add(pre+"0.weight", fw)
		out.Add(pre+"0.bias", fb)
	}
	return out, nil
}

// Network names, as a model's metadata names its embedding network
// (modelfile.Config's "net"): "" and NetConv4 are Conv4 (package nn's
// max-pool network, every file written before conv4s2 existed);
// NetConv4S2 is the stride-2 network of Finn et al. (2017) and Nichol et
// al. (2018): four blocks of 3×3 convolution with stride 2 and padding 1,
// BatchNorm and ReLU, no pooling (28→14→7→4→2), flattened to 256.
const (
	NetConv4   = nn.NetConv4   // "conv4"
	NetConv4S2 = nn.NetConv4S2 // "conv4s2"
)

// Conv4S2EmbeddingDim is the width of the conv4s2 embeddings: the last
// block's 64×2×2 activations flattened in channel, row, column order.
const Conv4S2EmbeddingDim = nn.Conv4S2EmbeddingDim

// EmbeddingDim returns the width of the embeddings of the network named
// net (see NetConv4), or an error naming an unknown net.
func EmbeddingDim(net string) (int, error) {
	switch net {
	case "", NetConv4:
		return nn.EmbeddingDim, nil
	case NetConv4S2:
		return Conv4S2EmbeddingDim, nil
	}
	return 0, fmt.Errorf("onnx: unknown network %q (want %s or %s)", net, NetConv4, NetConv4S2)
}

// Export returns an ONNX model of the embedding network net (as a model's
// metadata names it: "" or NetConv4 for Conv4, NetConv4S2 for the stride-2
// network) with params: ExportConv4 or ExportConv4S2. Any other net is an
// error naming it, never a Conv4 graph around weights trained for another
// network (the two have the very same tensor names and shapes).
func Export(params *tensor.Set, net string, opt Options) ([]byte, error) {
	switch net {
	case "", NetConv4:
		return ExportConv4(params, opt)
	case NetConv4S2:
		return ExportConv4S2(params, opt)
	}
	_, err := EmbeddingDim(net)
	return nil, err
}

// ExportConv4 returns an ONNX model of Conv4's embedding network in
// inference mode (BatchNorm with the running statistics, folded into the
// convolutions by FoldBatchNorm): input InputName, N×1×28×28 float32 with
// N free ("N"); output OutputName, N×64. The graph is, for each of the
// four blocks,
//
//	Conv(3×3, pads 1) → Relu → MaxPool(2×2, stride 2)
//
// then Flatten(axis 1). Its initializers are the folded weights, named as
// metaglot names the convolutions ("encoder.{i}.0.weight", ".bias"). The
// same params and opt always give the same bytes. It returns
// FoldBatchNorm's errors; a learned head in params is not exported.
func ExportConv4(params *tensor.Set, opt Options) ([]byte, error) {
	return export(params, false, opt)
}

// ExportConv4S2 returns an ONNX model of the conv4s2 embedding network in
// inference mode, as ExportConv4 does for Conv4: the same input, output
// OutputName N×256, and for each of the four blocks
//
//	Conv(3×3, strides 2, pads 1) → Relu
//
// (28→14→7→4→2), then Flatten(axis 1), which orders the last block's
// 64×2×2 values by channel, row and column, as PyTorch's x.flatten(1)
// and metaglot's conv4s2 do. The parameters are Conv4's (same names and
// shapes, BatchNorm folded by FoldBatchNorm); only the graph differs.
func ExportConv4S2(params *tensor.Set, opt Options) ([]byte, error) {
	return export(params, true, opt)
}

// export writes Conv4's graph, or with stride2 conv4s2's.
func export(params *tensor.Set, stride2 bool, opt Options) ([]byte, error) {
	folded, err := FoldBatchNorm(params)
	if err != nil {
		return nil, err
	}
	var g message // GraphProto
	x := InputName
	stride, dimOut, name := int64(1), nn.EmbeddingDim, "metaglot_conv4"
	doc := "Conv4 (Vinyals et al. 2016, Snell et al. 2017) in inference mode: four blocks of 3x3 convolution (64 filters, BatchNorm with its running statistics folded in), ReLU and 2x2 max-pooling."
	if stride2 {
		stride, dimOut, name = 2, Conv4S2EmbeddingDim, "metaglot_conv4s2"
		doc = "conv4s2 (Finn et al. 2017, Nichol et al. 2018) in inference mode: four blocks of 3x3 convolution with stride 2 and padding 1 (64 filters, BatchNorm with its running statistics folded in) and ReLU, no pooling (28, 14, 7, 4, 2), flattened in channel, row, column order to 256."
	}
	for i := range nn.Blocks {
		w, b := fmt.Sprintf("encoder.%d.0.weight", i), fmt.Sprintf("encoder.%d.0.bias", i)
		conv, relu, pool := fmt.Sprintf("block%d.conv", i), fmt.Sprintf("block%d.relu", i), fmt.Sprintf("block%d.pool", i)
		g.bytes(1, node("Conv", conv, []string{x, w, b}, conv,
			intsAttr("dilations", 1, 1), intsAttr("kernel_shape", 3, 3), intsAttr("pads", 1, 1, 1, 1), intsAttr("strides", stride, stride)))
		g.bytes(1, node("Relu", relu, []string{conv}, relu))
		x = relu
		if !stride2 {
			g.bytes(1, node("MaxPool", pool, []string{relu}, pool, intsAttr("kernel_shape", 2, 2), intsAttr("strides", 2, 2)))
			x = pool
		}
	}
	g.bytes(1, node("Flatten", "flatten", []string{x}, OutputName, intAttr("axis", 1)))
	g.string(2, name)
	for i := range folded.Len() {
		name, t := folded.At(i)
		g.bytes(5, initializer(name, t))
	}
	g.string(10, doc)
	g.bytes(11, valueInfo(InputName, dim("N"), dimValue(1), dimValue(nn.ImageSize), dimValue(nn.ImageSize)))
	g.bytes(12, valueInfo(OutputName, dim("N"), dimValue(dimOut)))

	var m message // ModelProto
	m.int(1, IRVersion)
	m.string(2, Producer)
	m.string(3, opt.ProducerVersion)
	m.string(6, opt.Doc)
	m.bytes(7, g)
	var opset message // OperatorSetIdProto, the default domain ""
	opset.int(2, Opset)
	m.bytes(8, opset)
	keys := make([]string, 0, len(opt.Metadata))
	for k := range opt.Metadata {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		var kv message // StringStringEntryProto
		kv.string(1, k)
		kv.string(2, opt.Metadata[k])
		m.bytes(14, kv)
	}
	return m, nil
}

// node returns a NodeProto: inputs (1), outputs (2), name (3), op_type
// (4), attributes (5).
func node(op, name string, inputs []string, output string, attrs ...message) message {
	var n message
	for _, in := range inputs {
		n.string(1, in)
	}
	n.string(2, output)
	n.string(3, name)
	n.string(4, op)
	for _, a := range attrs {
		n.bytes(5, a)
	}
	return n
}

// intsAttr returns an AttributeProto of type INTS: name (1), ints (8),
// type (20).
func intsAttr(name string, vs ...int64) message {
	var a message
	a.string(1, name)
	a.ints(8, vs...)
	a.int(20, attrInts)
	return a
}

// intAttr returns an AttributeProto of type INT: name (1), i (3), type (20).
func intAttr(name string, v int64) message {
	var a message
	a.string(1, name)
	a.int(3, v)
	a.int(20, attrInt)
	return a
}

// initializer returns a float TensorProto: dims (1), data_type (2), name
// (8), raw_data (9, little-endian float32, as ONNX requires).
func initializer(name string, t *tensor.Tensor) message {
	var p message
	for _, d := range t.Shape {
		p.int(1, int64(d))
	}
	p.int(2, tensorFloat)
	p.string(8, name)
	raw := make([]byte, 0, 4*len(t.Data))
	for _, v := range t.Data {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
	}
	p.bytes(9, raw)
	return p
}

// valueInfo returns a ValueInfoProto of a float tensor: name (1), type (2)
// = TypeProto{tensor_type (1) = {elem_type (1), shape (2)}}.
func valueInfo(name string, dims ...message) message {
	var shape message // TensorShapeProto
	for _, d := range dims {
		shape.bytes(1, d)
	}
	var tt message // TypeProto.Tensor
	tt.int(1, tensorFloat)
	tt.bytes(2, shape)
	var typ message // TypeProto
	typ.bytes(1, tt)
	var v message
	v.string(1, name)
	v.bytes(2, typ)
	return v
}

// dimValue and dim return a TensorShapeProto.Dimension: a fixed size
// (dim_value, 1) or a named free one (dim_param, 2).
func dimValue(n int) message {
	var d message
	d.int(1, int64(n))
	return d
}

func dim(param string) message {
	var d message
	d.string(2, param)
	return d
}
