package checkpoint

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"unicode/utf8"

	"metaglot/core/tensor"
)

// maxHeader bounds the JSON header. Real headers are a few hundred bytes
// per tensor; a larger length means the file is not a safetensors file.
const maxHeader = 100 << 20

// metadataKey is the header entry that holds the string-to-string metadata.
const metadataKey = "__metadata__"

// dtypeWidth returns the element size of a dtype Decode accepts, 0 for
// one of the format's other dtypes, and -1 for a dtype the format lacks.
func dtypeWidth(dtype string) int {
	switch dtype {
	case "F32":
		return 4
	case "F16", "BF16":
		return 2
	case "F64", "I64":
		return 8
	case "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "I32", "U32", "U64", "C64":
		return 0
	}
	return -1
}

// Encode writes tensors and meta to w in the safetensors format: tensors
// in the order of the set, all as F32, metadata keys sorted. The same input
// always gives the same bytes.
//
// It returns an error, having written nothing, if a tensor's data does not
// match its shape, holds a NaN or an Inf, is named "__metadata__", or a
// name, key or value is not valid UTF-8.
func Encode(w io.Writer, tensors *tensor.Set, meta map[string]string) error {
	header, err := encodeHeader(tensors, meta)
	if err != nil {
		return err
	}
	var buf [32 << 10]byte
	binary.LittleEndian.PutUint64(buf[:8], uint64(len(header)))
	if _, err := w.Write(buf[:8]); err != nil {
		return fmt.Errorf("write header length: %w", err)
	}
	if _, err := w.Write(header); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	for i := range tensors.Len() {
		name, t := tensors.At(i)
		for data := t.Data; len(data) > 0; {
			n := min(len(data), len(buf)/4)
			for k, v := range data[:n] {
				binary.LittleEndian.PutUint32(buf[4*k:], math.Float32bits(v))
			}
			if _, err := w.Write(buf[:4*n]); err != nil {
				return fmt.Errorf("write tensor %q: %w", name, err)
			}
			data = data[n:]
		}
	}
	return nil
}

// encodeHeader validates tensors and meta and returns the JSON header,
// padded with spaces to a multiple of 8 bytes.
func encodeHeader(tensors *tensor.Set, meta map[string]string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	if len(meta) > 0 {
		b.WriteString(`"__metadata__":{`)
		for i, k := range slices.Sorted(maps.Keys(meta)) {
			v := meta[k]
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return nil, fmt.Errorf("metadata %q: %q is not valid UTF-8", k, v)
			}
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(&b, k)
			b.WriteByte(':')
			writeJSONString(&b, v)
		}
		b.WriteByte('}')
	}
	var offset int64
	for i := range tensors.Len() {
		name, t := tensors.At(i)
		if err := checkTensor(name, t); err != nil {
			return nil, err
		}
		if len(meta) > 0 || i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(&b, name)
		fmt.Fprintf(&b, `:{"dtype":"F32","shape":[`)
		for j, d := range t.Shape {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprint(&b, d)
		}
		end := offset + 4*int64(len(t.Data))
		fmt.Fprintf(&b, `],"data_offsets":[%d,%d]}`, offset, end)
		offset = end
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	return b.Bytes(), nil
}

// checkTensor returns an error if t cannot be written under name.
func checkTensor(name string, t *tensor.Tensor) error {
	switch {
	case name == metadataKey:
		return fmt.Errorf("a tensor cannot be named %q, the format reserves it", metadataKey)
	case !utf8.ValidString(name):
		return fmt.Errorf("tensor name %q is not valid UTF-8", name)
	case t == nil:
		return fmt.Errorf("tensor %q is nil", name)
	}
	n := 1
	for _, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("tensor %q has negative dimension in shape %v", name, t.Shape)
		}
		n *= d
	}
	if n != len(t.Data) {
		return fmt.Errorf("tensor %q has %d values for shape %v (want %d)", name, len(t.Data), tensor.ShapeString(t.Shape), n)
	}
	if k := firstNonFinite(t.Data); k >= 0 {
		return fmt.Errorf("tensor %q %v: element %d is %v; refusing to save non-finite weights", name, tensor.ShapeString(t.Shape), k, t.Data[k])
	}
	return nil
}

func writeJSONString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s) // cannot fail for a string
	b.Write(q)
}

// firstNonFinite returns the index of the first NaN or Inf in x, or -1.
func firstNonFinite(x []float32) int {
	for i, v := range x {
		if v-v != 0 {
			return i
		}
	}
	return -1
}

// entry is one tensor's line of the header.
type entry struct {
	name  string
	dtype string
	shape []int
	begin int64
	end   int64
	numel int64
	width int // bytes per element
}

// Decode parses a safetensors file held in data and returns its tensors,
// converted to float32 and ordered by their position in the data buffer
// (for files written by Encode, the order they were written in), and its
// metadata (empty, not nil, if the file has none).
//
// It accepts the dtypes F32, F16, BF16, F64 and I64 (I64 and F64 values
// are rounded to the nearest float32). It returns an error saying what is
// wrong if data is not a well-formed file: too short, a header length
// beyond the data or above 100 MB, a header that is not a JSON object of
// the expected form, duplicate names, an unsupported dtype, offsets that do
// not match the shape, fall outside the buffer, overlap or leave gaps,
// bytes after the last tensor, or a NaN or Inf value.
func Decode(data []byte) (*tensor.Set, map[string]string, error) {
	if len(data) < 8 {
		return nil, nil, fmt.Errorf("%d bytes is too short for a safetensors file (the header length alone is 8)", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	rest := uint64(len(data) - 8)
	switch {
	case n > maxHeader:
		return nil, nil, fmt.Errorf("header length %d is absurd (over %d MB): not a safetensors file", n, maxHeader>>20)
	case n > rest:
		return nil, nil, fmt.Errorf("header length %d exceeds the %d bytes that follow it: file truncated?", n, rest)
	}
	entries, meta, err := parseHeader(data[8 : 8+n])
	if err != nil {
		return nil, nil, err
	}
	buf := data[8+n:]
	if err := checkLayout(entries, int64(len(buf))); err != nil {
		return nil, nil, err
	}
	s := &tensor.Set{}
	for _, e := range entries {
		t, err := e.convert(buf[e.begin:e.end])
		if err != nil {
			return nil, nil, err
		}
		s.Add(e.name, t)
	}
	return s, meta, nil
}

// parseHeader parses the JSON header into its entries, in header order,
// and the metadata. It checks each entry on its own, not the layout.
func parseHeader(h []byte) ([]*entry, map[string]string, error) {
	if len(h) == 0 || h[0] != '{' {
		return nil, nil, fmt.Errorf("header does not start with '{': not a safetensors file")
	}
	if !utf8.Valid(h) {
		return nil, nil, fmt.Errorf("header is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(h))
	bad := func(err error) error { return fmt.Errorf("header is not valid JSON: %w", err) }
	if _, err := dec.Token(); err != nil { // the '{' checked above
		return nil, nil, bad(err)
	}
	var entries []*entry
	meta := map[string]string{}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, bad(err)
		}
		name := tok.(string) // object keys are strings once Token succeeds
		if seen[name] {
			return nil, nil, fmt.Errorf("header names %q twice", name)
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, bad(err)
		}
		if name == metadataKey {
			if meta, err = parseMetadata(raw); err != nil {
				return nil, nil, err
			}
			continue
		}
		e, err := parseEntry(name, raw)
		if err != nil {
			return nil, nil, err
		}
		entries = append(entries, e)
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, nil, bad(err)
	}
	if tok, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = fmt.Errorf("unexpected %v after the header object", tok)
		}
		return nil, nil, bad(err)
	}
	return entries, meta, nil
}

func parseMetadata(raw json.RawMessage) (map[string]string, error) {
	bad := fmt.Errorf("%q must be an object of strings, got %.60s", metadataKey, raw)
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, bad
	}
	meta := map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, bad
		}
		k := tok.(string)
		var v string
		if err := dec.Decode(&v); err != nil {
			return nil, bad
		}
		if _, dup := meta[k]; dup {
			return nil, fmt.Errorf("%q has key %q twice", metadataKey, k)
		}
		meta[k] = v
	}
	return meta, nil
}

func parseEntry(name string, raw json.RawMessage) (*entry, error) {
	var (
		dtype   *string
		shape   []int64
		offsets []uint64
	)
	// Keys are matched exactly (encoding/json's struct decoding would let
	// "DType" through), and each may appear once.
	bad := func(err error) error { return fmt.Errorf("tensor %q: bad header entry %.80s: %w", name, raw, err) }
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, bad(errors.New("not an object"))
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, bad(err)
		}
		key := tok.(string)
		if seen[key] {
			return nil, bad(fmt.Errorf("%q twice", key))
		}
		seen[key] = true
		switch key {
		case "dtype":
			dtype = new(string)
			err = dec.Decode(dtype)
		case "shape":
			err = dec.Decode(&shape)
		case "data_offsets":
			err = dec.Decode(&offsets)
		default:
			err = fmt.Errorf("unknown field %q", key)
		}
		if err != nil {
			return nil, bad(err)
		}
	}
	switch {
	case dtype == nil:
		return nil, fmt.Errorf("tensor %q: header entry has no dtype", name)
	case shape == nil:
		return nil, fmt.Errorf("tensor %q: header entry has no shape", name)
	case len(offsets) != 2:
		return nil, fmt.Errorf("tensor %q: data_offsets %v, want [begin, end]", name, offsets)
	}
	e := &entry{name: name, dtype: *dtype}
	switch e.width = dtypeWidth(e.dtype); e.width {
	case 0:
		return nil, fmt.Errorf("tensor %q has dtype %s, which metaglot does not read (it reads F32, F16, BF16, F64 and I64)", name, e.dtype)
	case -1:
		return nil, fmt.Errorf("tensor %q has unknown dtype %q", name, e.dtype)
	}
	e.numel = 1
	for _, d := range shape {
		if d < 0 || d > math.MaxInt32 {
			return nil, fmt.Errorf("tensor %q has impossible dimension %d in shape %v", name, d, shape)
		}
		e.shape = append(e.shape, int(d))
		// Each factor is below 2³¹; stop multiplying once the count is
		// beyond any buffer so that it cannot overflow.
		if e.numel <= maxElements {
			e.numel *= d
		}
	}
	if slices.Contains(shape, 0) {
		e.numel = 0
	}
	e.begin, e.end = int64(min(offsets[0], math.MaxInt64)), int64(min(offsets[1], math.MaxInt64))
	if e.end < e.begin {
		return nil, fmt.Errorf("tensor %q: data_offsets [%d, %d] end before they begin", name, e.begin, e.end)
	}
	if e.numel > maxElements || e.numel*int64(e.width) != e.end-e.begin {
		return nil, fmt.Errorf("tensor %q: shape %v of %s needs %s bytes, data_offsets [%d, %d] hold %d",
			name, tensor.ShapeString(e.shape), e.dtype, bytesNeeded(e), e.begin, e.end, e.end-e.begin)
	}
	return e, nil
}

// maxElements bounds a tensor's element count well above any real buffer
// and well below overflow of numel·width.
const maxElements = 1 << 40

func bytesNeeded(e *entry) string {
	if e.numel > maxElements {
		return "more than 2⁴⁰"
	}
	return fmt.Sprint(e.numel * int64(e.width))
}

// checkLayout sorts entries by position and checks that they tile the data
// buffer of size n exactly: in range, no overlap, no gap, nothing after.
func checkLayout(entries []*entry, n int64) error {
	// By begin, then end, so that an empty tensor at the offset where
	// another starts comes first; ties keep header order.
	slices.SortStableFunc(entries, func(a, b *entry) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end))
	})
	var at int64
	var prev *entry
	for _, e := range entries {
		switch {
		case e.end > n:
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] run past the %d-byte data buffer: file truncated?", e.name, e.begin, e.end, n)
		case e.begin < at:
			return fmt.Errorf("tensor %q at bytes [%d, %d) overlaps tensor %q at [%d, %d)", e.name, e.begin, e.end, prev.name, prev.begin, prev.end)
		case e.begin > at:
			return fmt.Errorf("%d unused bytes at [%d, %d) of the data buffer before tensor %q", e.begin-at, at, e.begin, e.name)
		}
		at, prev = e.end, e
	}
	if at < n {
		return fmt.Errorf("%d bytes of trailing garbage after the last tensor (data buffer is %d bytes, tensors cover %d)", n-at, n, at)
	}
	return nil
}

// convert returns the tensor stored in b, which holds exactly its bytes.
func (e *entry) convert(b []byte) (*tensor.Tensor, error) {
	out := make([]float32, e.numel)
	le := binary.LittleEndian
	switch e.dtype {
	case "F32":
		for i := range out {
			out[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		}
	case "F16":
		for i := range out {
			out[i] = halfToFloat32(le.Uint16(b[2*i:]))
		}
	case "BF16":
		for i := range out {
			out[i] = math.Float32frombits(uint32(le.Uint16(b[2*i:])) << 16)
		}
	case "F64":
		for i := range out {
			v := math.Float64frombits(le.Uint64(b[8*i:]))
			out[i] = float32(v)
			if !math.IsNaN(v) && !math.IsInf(v, 0) && math.IsInf(float64(out[i]), 0) {
				return nil, fmt.Errorf("tensor %q (F64) %v: element %d = %g is outside float32's range", e.name, tensor.ShapeString(e.shape), i, v)
			}
		}
	case "I64":
		for i := range out {
			out[i] = float32(int64(le.Uint64(b[8*i:])))
		}
	default:
		return nil, errors.New("checkpoint: internal error: unhandled dtype " + e.dtype)
	}
	if k := firstNonFinite(out); k >= 0 {
		return nil, fmt.Errorf("tensor %q %v: element %d is %v", e.name, tensor.ShapeString(e.shape), k, out[k])
	}
	return tensor.FromData(out, e.shape...), nil
}

// halfToFloat32 converts an IEEE 754 binary16 value to float32 exactly.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp != 0: // normal: rebias 15 → 127
		return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
	default: // zero or subnormal: frac · 2⁻²⁴, exact in float32
		v := float32(frac) * (1.0 / (1 << 24))
		return math.Float32frombits(sign | math.Float32bits(v))
	}
}
