package weightsfile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"metaglot/core/checkpoint"
)

// file assembles a safetensors file from a header and data bytes.
func file(header string, data int) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, make([]byte, data)...)
}

func bundled(t testing.TB) []byte {
	b, err := os.ReadFile("../../../assets/models/protonet.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheckAcceptsWeightsFiles(t *testing.T) {
	for name, b := range map[string][]byte{
		"bundled ProtoNet":  bundled(t),
		"one F32 tensor":    file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8),
		"metadata, no data": file(`{"__metadata__":{"k":"v"}}`, 0),
		"two tensors":       file(`{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 8),
	} {
		if err := Check(name, b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestCheckRefuses(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 1<<16)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	good := bundled(t)
	data := len(good) - PrefixLen - int(binary.LittleEndian.Uint64(good)) // bytes after the header
	for _, tc := range []struct {
		what string
		data []byte
		msg  string
	}{
		{"empty", nil, "w is not a safetensors file: 0 bytes is too short"},
		{"7 bytes", []byte("{}{}{}{"), "too short"},
		{"random bytes", random, "w is not a safetensors file: its first 8 bytes give a header of"},
		{"text", []byte("this is not a weights file at all"), "not a safetensors file: its first 8 bytes give a header of"},
		{"header beyond the file", file(`{}`, 0)[:9], "a header of 2 bytes, but only 1 follow"},
		{"header not JSON", file(`{"a":`, 0), "header is not a JSON object"},
		{"header an array", file(`[1,2]`, 0), "does not start with '{'"},
		{"no offsets", file(`{"a":{"dtype":"F32","shape":[1]}}`, 4), `w is damaged: tensor "a" has no valid data_offsets`},
		{"offsets reversed", file(`{"a":{"data_offsets":[4,0]}}`, 4), "no valid data_offsets"},
		{"entry not an object", file(`{"a":3}`, 4), "no valid data_offsets"},
		{"truncated", good[:len(good)-100], fmt.Sprintf("w is damaged: its header places tensors in %d bytes, but %d bytes follow the header", data, data-100)},
		{"padded", append(bytes.Clone(good), 0, 0), fmt.Sprintf("but %d bytes follow", data+2)},
	} {
		err := Check("w", tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %v, want one saying %q", tc.what, err, tc.msg)
		}
	}
}

// TestSizeAndPrefix runs the page's first two steps on a file's size and
// first 8 bytes alone, as the page does with slices of a File.
func TestSizeAndPrefix(t *testing.T) {
	if err := CheckSize("big.safetensors", 200<<20); err == nil || err.Error() != "big.safetensors is 200.0 MB: a weights file has at most 64 MB" {
		t.Errorf("200 MB: %v", err)
	}
	if err := CheckSize("w", MaxBytes); err != nil {
		t.Errorf("exactly MaxBytes: %v", err)
	}
	// A header length above MaxHeaderBytes is refused even when the file
	// is large enough to hold it.
	prefix := binary.LittleEndian.AppendUint64(nil, MaxHeaderBytes+1)
	if _, err := HeaderLen("w", prefix, 50<<20); err == nil || !strings.Contains(err.Error(), "at most 1048576") {
		t.Errorf("huge header: %v", err)
	}
	good := bundled(t)
	n, err := HeaderLen("w", good[:PrefixLen], int64(len(good)))
	if err != nil || n != int(binary.LittleEndian.Uint64(good)) {
		t.Fatalf("bundled: header length %d, %v", n, err)
	}
	if err := CheckHeader("w", good[PrefixLen:PrefixLen+n], int64(len(good))); err != nil {
		t.Errorf("bundled header: %v", err)
	}
	if err := CheckHeader("w", good[PrefixLen:PrefixLen+n], int64(n)); err == nil {
		t.Error("a header longer than its file: accepted")
	}
}

// FuzzCheck checks that Check never panics, and never refuses a file
// that the full decoding (core/checkpoint) accepts: the page's early
// refusal only ever saves work.
func FuzzCheck(f *testing.F) {
	good := bundled(f)
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add([]byte{})
	f.Add([]byte("this is not a weights file at all"))
	f.Add(file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8))
	f.Add(file(`{"__metadata__":{"k":"v"},"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}`, 2))
	f.Add(file(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}`, 0))
	f.Add(file(`{"a":{"data_offsets":[0,18446744073709551615]}}`, 4))
	for _, p := range []string{"canonical", "mixed"} {
		if b, err := os.ReadFile("../../../core/checkpoint/testdata/" + p + ".safetensors"); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := Check("w", data)
		if err != nil && !strings.HasPrefix(err.Error(), "w ") {
			t.Fatalf("error does not start with the file's name: %v", err)
		}
		if _, _, derr := checkpoint.Decode(data); derr == nil && err != nil {
			t.Fatalf("checkpoint.Decode accepts the file, Check refuses it: %v", err)
		}
	})
}
