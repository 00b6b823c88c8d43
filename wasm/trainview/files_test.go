package trainview

import (
	"errors"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// reader reads ranges of data and records them.
type reader struct {
	data  []byte
	reads [][2]int64
	fail  error
}

func (r *reader) read(start, end int64) ([]byte, error) {
	r.reads = append(r.reads, [2]int64{start, end})
	if r.fail != nil {
		return nil, r.fail
	}
	return r.data[min(start, int64(len(r.data))):min(end, int64(len(r.data)))], nil
}

// A weights file is checked from its size, its first 8 bytes and its
// header, never read whole.
func TestCheckWeightsFile(t *testing.T) {
	good, err := os.ReadFile("../../assets/models/protonet.safetensors")
	if err != nil {
		t.Skip(err)
	}
	r := &reader{data: good}
	if err := CheckWeightsFile("p.safetensors", int64(len(good)), r.read); err != nil {
		t.Fatal(err)
	}
	if len(r.reads) != 2 || r.reads[0] != [2]int64{0, 8} || r.reads[1][1] >= int64(len(good))/10 {
		t.Fatalf("reads %v of a %d-byte file: want the prefix, then the header only", r.reads, len(good))
	}

	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 50<<20)
	for i := range random[:4096] {
		random[i] = byte(rng.Uint32())
	}
	for _, tc := range []struct {
		what string
		r    *reader
		size int64
		msg  string
	}{
		{"200 MB", &reader{}, 200 << 20, "r.bin is 200.0 MB: a weights file has at most 64 MB"},
		{"random", &reader{data: random}, int64(len(random)), "r.bin is not a safetensors file"},
		{"cut header", &reader{data: good[:200]}, 200, "r.bin"},
		{"unreadable", &reader{data: good, fail: errors.New("NotReadableError")}, int64(len(good)), "could not read r.bin: NotReadableError"},
	} {
		err := CheckWeightsFile("r.bin", tc.size, tc.r.read)
		if err == nil || !strings.HasPrefix(err.Error(), "the weights were not loaded, the current ones are kept: ") || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want %q", tc.what, err, tc.msg)
		}
		if tc.what == "200 MB" && len(tc.r.reads) != 0 {
			t.Errorf("a file too large was read: %v", tc.r.reads)
		}
		if tc.what == "random" && len(tc.r.reads) != 1 {
			t.Errorf("random bytes: reads %v, want only the prefix", tc.r.reads)
		}
	}
}

func TestWeightsFileName(t *testing.T) {
	if got := WeightsFileName("fomaml", 120); got != "metaglot-fomaml-120-episodes.safetensors" {
		t.Fatal(got)
	}
}
