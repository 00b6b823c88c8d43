// Package weightsfile checks a weights file the user chose, from its size
// and its first bytes, before anything reads it whole.
//
// A safetensors file (the format metaglot writes, core/checkpoint) is an
// 8-byte little-endian header length n, a JSON header of n bytes naming
// each tensor's dtype, shape and data_offsets (relative to the end of the
// header), and then the tensors' bytes, which tile the rest of the file
// exactly. So the size, the first 8 bytes and the header already tell
// whether a file can be a weights file at all:
//
//	size      CheckSize   at most MaxBytes
//	bytes 0–8 HeaderLen   n at most MaxHeaderBytes and within the file
//	header    CheckHeader a JSON object whose tensors end where the file ends
//
// The page runs the three steps on slices of the chosen File (a random
// 200 MB file is refused from its size, a random 50 MB one from its first
// 8 bytes) and hands the bytes to the trainer only after them; the trainer
// then decodes the file fully (trainer.ParseWeights, core/checkpoint.Decode).
// Check runs the same steps on a file's bytes. Each error is one sentence
// that starts with the file's name and says what is wrong.
package weightsfile

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
)

const (
	// MaxBytes is the largest weights file the page reads: 64 MB. The
	// bundled models are 0.45 MB (a Conv4 and a 5-way head in float32); a
	// checkpoint with Adam's moments is three times that.
	MaxBytes = 64 << 20
	// MaxHeaderBytes bounds the JSON header. metaglot's headers are about
	// 2 KB; a header naming every tensor of a much larger network is still
	// far below this.
	MaxHeaderBytes = 1 << 20
	// PrefixLen is the length of the header length at the start of a file.
	PrefixLen = 8
)

// MB formats a byte count in MB (2²⁰ bytes) with one decimal: "200.0 MB".
func MB(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

// CheckSize refuses a file of size bytes larger than MaxBytes.
func CheckSize(name string, size int64) error {
	if size > MaxBytes {
		return fmt.Errorf("%s is %s: a weights file has at most %d MB", name, MB(size), MaxBytes>>20)
	}
	return nil
}

// HeaderLen returns the header length that the first PrefixLen bytes of a
// file of size bytes give, or an error if the file cannot be a safetensors
// file: shorter than PrefixLen, or a header longer than MaxHeaderBytes or
// than what follows the prefix.
func HeaderLen(name string, prefix []byte, size int64) (int, error) {
	if size < PrefixLen || len(prefix) < PrefixLen {
		return 0, fmt.Errorf("%s is not a safetensors file: %d bytes is too short (the header length alone is %d)", name, size, PrefixLen)
	}
	n := binary.LittleEndian.Uint64(prefix)
	switch {
	case n > MaxHeaderBytes:
		return 0, fmt.Errorf("%s is not a safetensors file: its first 8 bytes give a header of %d bytes (at most %d)", name, n, MaxHeaderBytes)
	case n > uint64(size-PrefixLen):
		return 0, fmt.Errorf("%s is not a safetensors file: its first 8 bytes give a header of %d bytes, but only %d follow", name, n, size-PrefixLen)
	}
	return int(n), nil
}

// CheckHeader checks the JSON header of a file of size bytes: a JSON
// object whose tensor entries (all but "__metadata__") have data_offsets
// [begin, end] with begin ≤ end, the largest end being exactly the bytes
// after the header. Dtypes, shapes and the layout of the tensors are left
// to the full decoding.
func CheckHeader(name string, header []byte, size int64) error {
	if int64(len(header)) > size-PrefixLen {
		return fmt.Errorf("%s is not a safetensors file: a header of %d bytes does not fit in %d bytes", name, len(header), size)
	}
	if len(header) == 0 || header[0] != '{' {
		return fmt.Errorf("%s is not a safetensors file: its header does not start with '{'", name)
	}
	var entries map[string]json.RawMessage
	if err := json.Unmarshal(header, &entries); err != nil {
		return fmt.Errorf("%s is not a safetensors file: its header is not a JSON object (%v)", name, err)
	}
	var end uint64
	for k, raw := range entries {
		if k == "__metadata__" {
			continue
		}
		var e struct {
			Offsets []uint64 `json:"data_offsets"`
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		if err := dec.Decode(&e); err != nil || len(e.Offsets) != 2 || e.Offsets[0] > e.Offsets[1] {
			return fmt.Errorf("%s is damaged: tensor %.80q has no valid data_offsets [begin, end] in its header", name, k)
		}
		end = max(end, e.Offsets[1])
	}
	data := uint64(size) - PrefixLen - uint64(len(header))
	if end != data {
		return fmt.Errorf("%s is damaged: its header places tensors in %d bytes, but %d bytes follow the header (truncated or padded?)", name, end, data)
	}
	return nil
}

// Check runs CheckSize, HeaderLen and CheckHeader on the bytes of a whole
// file.
func Check(name string, data []byte) error {
	size := int64(len(data))
	if err := CheckSize(name, size); err != nil {
		return err
	}
	n, err := HeaderLen(name, data, size)
	if err != nil {
		return err
	}
	return CheckHeader(name, data[PrefixLen:PrefixLen+n], size)
}
