package checkpoint

import (
	"bytes"
	"maps"
	"os"
	"testing"
)

// FuzzDecode feeds Decode arbitrary bytes. It must never panic, and what it
// accepts must survive Encode and Decode unchanged.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"testdata/mixed.safetensors", "testdata/canonical.safetensors"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	var buf bytes.Buffer
	if err := Encode(&buf, randomSet(10), map[string]string{"k": "v"}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(file(`{}`))
	f.Add(file(`{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, 0, 0x3c, 0, 0xbc))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		s, meta, err := Decode(data)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := Encode(&out, s, meta); err != nil {
			t.Fatalf("Decode accepted what Encode refuses: %v", err)
		}
		s2, meta2, err := Decode(out.Bytes())
		if err != nil {
			t.Fatalf("Encode wrote what Decode refuses: %v", err)
		}
		sameSets(t, s2, s)
		if !maps.Equal(meta, meta2) {
			t.Fatalf("metadata %q became %q", meta, meta2)
		}
	})
}
