package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"metaglot/core/tensor"
)

// fixtures mirrors testdata/fixtures.json, written with the .safetensors
// files beside it by testdata/gen_fixture.py (Python's struct and json).
type fixtures struct {
	Mixed, Canonical struct {
		Metadata map[string]string
		Tensors  []struct {
			Name   string
			Dtype  string
			Shape  []int
			Values []float64
		}
	}
}

func loadFixtures(t *testing.T) fixtures {
	t.Helper()
	b, err := os.ReadFile("testdata/fixtures.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fixtures
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("testdata/fixtures.json: %v", err)
	}
	return f
}

// sameSets fails t unless got and want hold the same names in the same
// order, the same shapes and bit-identical values.
func sameSets(t *testing.T, got, want *tensor.Set) {
	t.Helper()
	if g, w := strings.Join(got.Names(), ","), strings.Join(want.Names(), ","); g != w {
		t.Fatalf("names %s, want %s", g, w)
	}
	for i := range want.Len() {
		name, w := want.At(i)
		_, g := got.At(i)
		if !tensor.SameShape(g.Shape, w.Shape) || len(g.Data) != len(w.Data) {
			t.Fatalf("%q: shape %v with %d values, want %v with %d", name, g.Shape, len(g.Data), w.Shape, len(w.Data))
		}
		for k := range w.Data {
			if math.Float32bits(g.Data[k]) != math.Float32bits(w.Data[k]) {
				t.Errorf("%q[%d] = %v, want %v", name, k, g.Data[k], w.Data[k])
			}
		}
	}
}

func sameMeta(t *testing.T, got, want map[string]string) {
	t.Helper()
	if got == nil {
		t.Error("metadata is nil, want a map")
	}
	if !maps.Equal(got, want) {
		t.Errorf("metadata %q, want %q", got, want)
	}
}

func TestReadIndependentFixture(t *testing.T) {
	f := loadFixtures(t).Mixed
	got, meta, err := Read("testdata/mixed.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	want := &tensor.Set{}
	for _, x := range f.Tensors {
		data := make([]float32, len(x.Values))
		for i, v := range x.Values {
			data[i] = float32(v)
		}
		want.Add(x.Name, tensor.FromData(data, x.Shape...))
	}
	// The header lists the tensors alphabetically, the buffer in the
	// fixture's order; Decode must follow the buffer.
	sameSets(t, got, want)
	sameMeta(t, meta, f.Metadata)
	if h := got.Get("half").Data; math.Signbit(float64(h[4])) != true || h[3] != 0x1p-24 {
		t.Errorf("F16 negative zero and smallest subnormal read as %v, %v", h[4], h[3])
	}
}

func canonicalSet(t *testing.T) (*tensor.Set, map[string]string) {
	f := loadFixtures(t).Canonical
	s := &tensor.Set{}
	for _, x := range f.Tensors {
		data := make([]float32, len(x.Values))
		for i, v := range x.Values {
			data[i] = float32(v)
		}
		s.Add(x.Name, tensor.FromData(data, x.Shape...))
	}
	return s, f.Metadata
}

// TestEncodeMatchesIndependentBytes compares Encode's output byte for byte
// with the file Python's struct and json wrote for the same tensors.
func TestEncodeMatchesIndependentBytes(t *testing.T) {
	s, meta := canonicalSet(t)
	want, err := os.ReadFile("testdata/canonical.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := Encode(&got, s, meta); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("Encode wrote\n%q\nPython wrote\n%q", got.Bytes(), want)
	}
	back, m, err := Decode(want)
	if err != nil {
		t.Fatal(err)
	}
	sameSets(t, back, s)
	sameMeta(t, m, meta)
}

// randomSet returns tensors of assorted shapes, including a scalar and an
// empty tensor, with values from a seeded source.
func randomSet(seed uint64) *tensor.Set {
	r := rand.New(rand.NewPCG(seed, 1))
	s := &tensor.Set{}
	for i, shape := range [][]int{{64, 1, 3, 3}, {64}, {}, {0, 5}, {5, 64}, {3, 1, 1, 2}} {
		t := tensor.New(shape...)
		for k := range t.Data {
			t.Data[k] = float32(r.NormFloat64()) * float32(math.Pow(10, float64(r.IntN(20)-10)))
		}
		s.Add(fmt.Sprintf("layer%d.%c", 5-i, 'a'+i), t)
	}
	return s
}

func TestRoundTrip(t *testing.T) {
	s := randomSet(1)
	meta := map[string]string{"arch": "conv4", "": "empty key", "json": `{"ways": 5, "<&>": "\n"}`, "unicode": "ωμέγα ✓"}
	for _, m := range []map[string]string{meta, nil} {
		var a, b bytes.Buffer
		if err := Encode(&a, s, m); err != nil {
			t.Fatal(err)
		}
		if err := Encode(&b, s, m); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Error("two encodings of the same set differ")
		}
		if n := binary.LittleEndian.Uint64(a.Bytes()); n%8 != 0 {
			t.Errorf("header length %d is not a multiple of 8", n)
		}
		got, gotMeta, err := Decode(a.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		sameSets(t, got, s)
		if m == nil {
			m = map[string]string{}
			if bytes.Contains(a.Bytes(), []byte(metadataKey)) {
				t.Error("no metadata, yet the header has __metadata__")
			}
		}
		sameMeta(t, gotMeta, m)
	}
}

// file assembles a safetensors file from a header and a data buffer,
// padding the header as Encode does.
func file(header string, data ...byte) []byte {
	for len(header)%8 != 0 {
		header += " "
	}
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

func f32bytes(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

func TestDecodeErrors(t *testing.T) {
	one := f32bytes(1)
	two := f32bytes(1, 2)
	nan := float32(math.NaN())
	hugeF64 := binary.LittleEndian.AppendUint64(nil, math.Float64bits(1e300))
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "0 bytes is too short"},
		{"seven bytes", []byte{1, 0, 0, 0, 0, 0, 0}, "7 bytes is too short"},
		{"absurd header length", binary.LittleEndian.AppendUint64(nil, 1<<40), "absurd"},
		{"header beyond file", append(binary.LittleEndian.AppendUint64(nil, 64), "{}      "...), "exceeds the 8 bytes"},
		{"not an object", file(`["x"]`), "does not start with '{'"},
		{"bad JSON", file(`{"a":{"dtype":"F32",}}`), "not valid JSON"},
		{"unterminated JSON", file(`{"a":`), "not valid JSON"},
		{"text after JSON", file(`{} {}`), "not valid JSON"},
		{"not UTF-8", file("{\"\xff\":{}}"), "not valid UTF-8"},
		{"duplicate name", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, two...), `names "a" twice`},
		{"duplicate metadata", file(`{"__metadata__":{},"__metadata__":{}}`), `names "__metadata__" twice`},
		{"duplicate metadata key", file(`{"__metadata__":{"k":"1","k":"2"}}`), `key "k" twice`},
		{"metadata not strings", file(`{"__metadata__":{"k":1}}`), "object of strings"},
		{"metadata not object", file(`{"__metadata__":"x"}`), "object of strings"},
		{"unknown dtype", file(`{"a":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}`, one...), `unknown dtype "F33"`},
		{"unsupported dtype", file(`{"a":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}`, one...), "dtype I32, which metaglot does not read"},
		{"no dtype", file(`{"a":{"shape":[1],"data_offsets":[0,4]}}`, one...), `"a": header entry has no dtype`},
		{"no shape", file(`{"a":{"dtype":"F32","data_offsets":[0,4]}}`, one...), `"a": header entry has no shape`},
		{"unknown field", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}`, one...), `"a": bad header entry`},
		{"entry not object", file(`{"a":[1,2]}`), `"a": bad header entry`},
		{"key case", file(`{"a":{"dtype":"F32","Shape":[1],"data_offsets":[0,4]}}`, one...), `unknown field "Shape"`},
		{"key twice", file(`{"a":{"dtype":"F32","shape":[1],"shape":[1],"data_offsets":[0,4]}}`, one...), `"shape" twice`},
		{"null dtype", file(`{"a":{"dtype":null,"shape":[1],"data_offsets":[0,4]}}`, one...), `unknown dtype ""`},
		{"three offsets", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, one...), "want [begin, end]"},
		{"negative dimension", file(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, one...), "impossible dimension -1"},
		{"fractional dimension", file(`{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}`, one...), `"a": bad header entry`},
		{"shape/offsets mismatch", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, one...), "shape [2] of F32 needs 8 bytes, data_offsets [0, 4] hold 4"},
		{"F16 size", file(`{"a":{"dtype":"F16","shape":[1],"data_offsets":[0,4]}}`, one...), "needs 2 bytes"},
		{"shape overflow", file(`{"a":{"dtype":"F32","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,4]}}`, one...), "more than 2⁴⁰"},
		{"offsets reversed", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`, one...), "end before they begin"},
		{"offsets past buffer", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, one...), "run past the 4-byte data buffer"},
		{"huge offsets", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[18446744073709551611,18446744073709551615]}}`, one...), `"a"`},
		{"overlap", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, two...), `tensor "b" at bytes [4, 8) overlaps tensor "a" at [0, 8)`},
		{"gap", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, two...), "4 unused bytes at [0, 4)"},
		{"trailing garbage", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, two...), "4 bytes of trailing garbage"},
		{"data without tensors", file(`{}`, one...), "4 bytes of trailing garbage"},
		{"NaN", file(`{"ok":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"bad":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, f32bytes(1, 2, nan)...), `tensor "bad" [2]: element 1 is NaN`},
		{"F16 Inf", file(`{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, 0, 0x3c, 0, 0x7c), `tensor "h" [2]: element 1 is +Inf`},
		{"F64 beyond float32", file(`{"d":{"dtype":"F64","shape":[],"data_offsets":[0,8]}}`, hugeF64...), "outside float32's range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, meta, err := Decode(c.data)
			if err == nil {
				t.Fatalf("Decode succeeded with %d tensors, want an error", s.Len())
			}
			if s != nil || meta != nil {
				t.Error("Decode returned data with its error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want it to contain %q", err, c.want)
			}
		})
	}
}

// TestDecodeAcceptsEdgeCases covers valid files that a careless reader
// might refuse.
func TestDecodeAcceptsEdgeCases(t *testing.T) {
	cases := map[string][]byte{
		"empty header":          file(`{}`),
		"whitespace":            file("{ \"a\" : { \"data_offsets\" : [0, 4], \"shape\" : [], \"dtype\" : \"F32\" } }\t\n", f32bytes(1)...),
		"zero-size between":     file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32bytes(1, 2)...),
		"no padding":            append(binary.LittleEndian.AppendUint64(nil, 2), "{}"...),
		"metadata only":         file(`{"__metadata__":{"a":"b"}}`),
		"zero dim, huge others": file(`{"a":{"dtype":"F32","shape":[2147483647,0,2147483647],"data_offsets":[0,0]}}`),
	}
	for name, data := range cases {
		if _, _, err := Decode(data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestCorruption damages a valid file in many ways; every damaged file must
// give an error or, for a flipped header byte that still parses (a letter
// of a name, say), the same shapes and values: never a panic, never
// silently wrong numbers.
func TestCorruption(t *testing.T) {
	var buf bytes.Buffer
	s := randomSet(2)
	if err := Encode(&buf, s, map[string]string{"arch": "conv4"}); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	for n := range len(good) {
		if _, _, err := Decode(good[:n]); err == nil {
			t.Errorf("file truncated to %d of %d bytes decoded without error", n, len(good))
		}
	}
	headerEnd := 8 + int(binary.LittleEndian.Uint64(good))
	accepted := 0
	for i := range headerEnd {
		for _, mask := range []byte{0x01, 0x02, 0x20, 0x80, 0xff} {
			bad := bytes.Clone(good)
			bad[i] ^= mask
			got, _, err := Decode(bad)
			if err != nil {
				continue
			}
			accepted++
			if got.Len() != s.Len() {
				t.Fatalf("byte %d ^ %#x: %d tensors decoded, want %d", i, mask, got.Len(), s.Len())
			}
			for j := range s.Len() {
				_, w := s.At(j)
				_, g := got.At(j)
				// An empty tensor's other dimensions ([0 5] → [0 4]) are
				// not backed by any bytes, so nothing can catch that flip.
				if !slicesEqualBits(g.Data, w.Data) || (len(w.Data) > 0 && !tensor.SameShape(g.Shape, w.Shape)) {
					t.Errorf("byte %d ^ %#x: tensor %d decoded with other shape or values", i, mask, j)
				}
			}
		}
	}
	t.Logf("%d header bytes × 5 flips: %d still parse (names, metadata, padding), all with the right values", headerEnd, accepted)
}

func slicesEqualBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func TestEncodeErrors(t *testing.T) {
	cases := []struct {
		name string
		set  func() *tensor.Set
		meta map[string]string
		want string
	}{
		{"NaN", func() *tensor.Set {
			s := randomSet(3)
			_, x := s.At(4)
			x.Data[7] = float32(math.Inf(1))
			return s
		}, nil, `tensor "layer1.e" [5 64]: element 7 is +Inf`},
		{"reserved name", func() *tensor.Set {
			var s tensor.Set
			s.Add(metadataKey, tensor.New(1))
			return &s
		}, nil, "reserves"},
		{"data/shape", func() *tensor.Set {
			var s tensor.Set
			s.Add("w", &tensor.Tensor{Shape: []int{2, 2}, Data: make([]float32, 3)})
			return &s
		}, nil, `"w" has 3 values for shape [2 2]`},
		{"negative shape", func() *tensor.Set {
			var s tensor.Set
			s.Add("w", &tensor.Tensor{Shape: []int{-1}})
			return &s
		}, nil, "negative dimension"},
		{"nil tensor", func() *tensor.Set {
			var s tensor.Set
			s.Add("w", nil)
			return &s
		}, nil, `"w" is nil`},
		{"bad UTF-8 name", func() *tensor.Set {
			var s tensor.Set
			s.Add("w\xff", tensor.New(1))
			return &s
		}, nil, "not valid UTF-8"},
		{"bad UTF-8 metadata", func() *tensor.Set { return randomSet(1) }, map[string]string{"k": "\xfe"}, "not valid UTF-8"},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		err := Encode(&buf, c.set(), c.meta)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: Encode wrote %d bytes before failing", c.name, buf.Len())
		}
	}
}

func TestLoadInto(t *testing.T) {
	src := randomSet(4)
	dst := src.ZerosLike()
	if err := LoadInto(dst, src); err != nil {
		t.Fatal(err)
	}
	sameSets(t, dst, src)

	model := &tensor.Set{}
	model.Add("w", tensor.FromData([]float32{1, 2, 3, 4, 5, 6}, 2, 3))
	model.Add("b", tensor.FromData([]float32{7, 8}, 2))
	model.Add("gone", tensor.New(4))
	ckpt := &tensor.Set{}
	ckpt.Add("w", tensor.New(3, 2))
	ckpt.Add("b", tensor.FromData([]float32{0, 0}, 2))
	ckpt.Add("stray", tensor.New(1, 1))
	before := model.Clone()
	err := LoadInto(model, ckpt)
	if err == nil {
		t.Fatal("LoadInto succeeded with mismatched sets")
	}
	for _, want := range []string{`"gone" [4]`, `"stray" [1 1]`, `"w" is [3 2] in the checkpoint, [2 3] in the model`, "1 missing", "1 in the checkpoint but not the model", "1 of another shape"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	sameSets(t, model, before)

	bad := model.Clone()
	bad.Get("b").Data[1] = float32(math.NaN())
	if err := LoadInto(model, bad); err == nil || !strings.Contains(err.Error(), `b [2]: element 1 is NaN`) {
		t.Errorf("NaN in the checkpoint: error %v", err)
	}
	sameSets(t, model, before)
}

func BenchmarkEncodeConv4(b *testing.B) {
	s := conv4Set()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Encode(&buf, s, map[string]string{"arch": "conv4"}); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}

func BenchmarkDecodeConv4(b *testing.B) {
	var buf bytes.Buffer
	if err := Encode(&buf, conv4Set(), map[string]string{"arch": "conv4"}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Decode(buf.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}

// conv4Set returns tensors shaped like Conv4's parameters (about 113k floats).
func conv4Set() *tensor.Set {
	s := &tensor.Set{}
	in := 1
	for i := range 4 {
		s.Add(fmt.Sprintf("encoder.%d.0.weight", i), tensor.New(64, in, 3, 3))
		s.Add(fmt.Sprintf("encoder.%d.0.bias", i), tensor.New(64))
		s.Add(fmt.Sprintf("encoder.%d.1.weight", i), tensor.New(64))
		s.Add(fmt.Sprintf("encoder.%d.1.bias", i), tensor.New(64))
		in = 64
	}
	return s
}
