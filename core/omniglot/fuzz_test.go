package omniglot

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/png"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseIndex feeds ParseIndex arbitrary bytes. It must never panic,
// and an index it accepts must keep the promises of its doc comment and
// survive a JSON round trip unchanged.
func FuzzParseIndex(f *testing.F) {
	f.Add(committedJSON(f))
	for _, n := range []int{1, 3} {
		b, err := json.Marshal(tinyIndex(n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"format":"metaglot-omniglot-1","image_size":28,"drawers":20,"alphabets":[{"name":"A","set":"evaluation","file":"A.png","characters":[{"id":1,"row":0,"vinyals":"test"},{"id":1,"row":1,"vinyals":"test"}]}]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ix, err := ParseIndex(data)
		if err != nil {
			return
		}
		if ix.Format != Format || ix.ImageSize != ImageSize || ix.Drawers != Drawers || len(ix.Alphabets) == 0 {
			t.Fatalf("accepted header %q %d %d, %d alphabets", ix.Format, ix.ImageSize, ix.Drawers, len(ix.Alphabets))
		}
		ids := map[int]bool{}
		for _, a := range ix.Alphabets {
			if strings.ContainsAny(a.File, "/\\") || strings.HasPrefix(a.File, ".") || !strings.HasSuffix(a.File, ".png") {
				t.Fatalf("accepted sheet file %q", a.File)
			}
			for i, c := range a.Characters {
				if c.Row != i || c.ID < 1 || ids[c.ID] {
					t.Fatalf("accepted character %+v at %d", c, i)
				}
				ids[c.ID] = true
			}
		}
		b, err := json.Marshal(ix)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseIndex(b)
		if err != nil {
			t.Fatalf("re-encoded index refused: %v", err)
		}
		if !reflect.DeepEqual(again, ix) {
			t.Fatalf("index changed in a round trip")
		}
	})
}

// committedJSON returns the committed index cut to its first two
// alphabets of three characters each: real data, small enough for the
// fuzzer to mutate quickly (the full 123 kB index stalls it).
func committedJSON(tb testing.TB) []byte {
	tb.Helper()
	ix := committedIndex(tb)
	ix.Alphabets = ix.Alphabets[:2]
	for i := range ix.Alphabets {
		ix.Alphabets[i].Characters = ix.Alphabets[i].Characters[:3]
	}
	b, err := json.Marshal(ix)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// hugeSheet returns a PNG of a 1×1 greyscale image whose header claims
// w×h pixels.
func hugeSheet(tb testing.TB, w, h uint32) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		tb.Fatal(err)
	}
	b := buf.Bytes()
	ihdr := b[12 : 12+4+13]
	binary.BigEndian.PutUint32(ihdr[4:], w)
	binary.BigEndian.PutUint32(ihdr[8:], h)
	binary.BigEndian.PutUint32(b[12+4+13:], crc32.ChecksumIEEE(ihdr))
	return b
}

// TestAddAlphabetSheetHuge: a sheet whose header claims another size is
// refused from the header, before its pixels are decoded (60000×60000
// would need 3.6 GB).
func TestAddAlphabetSheetHuge(t *testing.T) {
	d := New(tinyIndex(2))
	err := d.AddAlphabetSheet("Tiny", hugeSheet(t, 60000, 60000))
	if err == nil || !strings.Contains(err.Error(), "is 60000x60000, want 560x56") {
		t.Errorf("error %v, want one naming the claimed size", err)
	}
}

// FuzzAddAlphabetSheet feeds AddAlphabetSheet arbitrary bytes as the sheet
// of a two-character alphabet: it must never panic, and a sheet it
// accepts gives every drawing's pixels.
func FuzzAddAlphabetSheet(f *testing.F) {
	f.Add(hugeSheet(f, 60000, 60000))
	f.Add(hugeSheet(f, Drawers*ImageSize, 2*ImageSize))
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, Drawers*ImageSize, 2*ImageSize))); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		d := New(tinyIndex(2))
		if err := d.AddAlphabetSheet("Tiny", data); err != nil {
			if d.Loaded("Tiny") {
				t.Fatal("a refused sheet was loaded")
			}
			return
		}
		for c := range 2 {
			for dr := range Drawers {
				if len(d.Pixels(c, dr)) != ImageSize*ImageSize {
					t.Fatalf("character %d drawer %d: %d pixels", c, dr, len(d.Pixels(c, dr)))
				}
			}
		}
	})
}
