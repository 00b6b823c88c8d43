package onnx

import (
	"encoding/binary"
	"math"
)

// Protocol buffers wire format, the little of it ONNX files need
// (https://protobuf.dev/programming-guides/encoding/): a message is a
// sequence of fields, each a key — varint(field number << 3 | wire type) —
// and a value:
//
//	wire type 0  varint: integers, enums, bools (7 bits a byte, low first,
//	             high bit set on every byte but the last)
//	wire type 2  length-delimited: varint(length), then the bytes of a
//	             string, a bytes field or a nested message
//	wire type 5  fixed32: a float, 4 bytes little-endian
//
// onnx.proto is proto2, whose repeated numbers are not packed: each element
// of a repeated int64 is a field of its own. Fields are written in
// field-number order, as protobuf's own serialisers do, so the same model
// always gives the same bytes.
const (
	wireVarint  = 0
	wireBytes   = 2
	wireFixed32 = 5
)

// message is a protobuf message being written: fields are appended in the
// order of the calls.
type message []byte

func (m *message) key(field, wire int) {
	*m = binary.AppendUvarint(*m, uint64(field)<<3|uint64(wire))
}

// int appends an integer field (int32, int64 or enum). Negative values
// take ten bytes (two's complement), as protobuf writes them.
func (m *message) int(field int, v int64) {
	m.key(field, wireVarint)
	*m = binary.AppendUvarint(*m, uint64(v))
}

// ints appends one field per element (proto2's unpacked repeated int64).
func (m *message) ints(field int, vs ...int64) {
	for _, v := range vs {
		m.int(field, v)
	}
}

// float appends a float field.
func (m *message) float(field int, v float32) {
	m.key(field, wireFixed32)
	*m = binary.LittleEndian.AppendUint32(*m, math.Float32bits(v))
}

// bytes appends a bytes field, or a nested message given as its bytes.
func (m *message) bytes(field int, b []byte) {
	m.key(field, wireBytes)
	*m = binary.AppendUvarint(*m, uint64(len(b)))
	*m = append(*m, b...)
}

// string appends a string field; an empty string is left out (proto2's
// optional fields: absent and empty read alike for every field used here).
func (m *message) string(field int, s string) {
	if s == "" {
		return
	}
	m.key(field, wireBytes)
	*m = binary.AppendUvarint(*m, uint64(len(s)))
	*m = append(*m, s...)
}
