package omniglot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"strings"
	"testing"
)

// assetDir is the committed assets, relative to this package (it works under
// go_js_wasm_exec too, which runs tests in the package directory).
const assetDir = "../../assets/omniglot"

func committedIndex(t testing.TB) *Index {
	t.Helper()
	b, err := os.ReadFile(assetDir + "/index.json")
	if err != nil {
		t.Fatal(err)
	}
	ix, err := ParseIndex(b)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestCommittedIndex(t *testing.T) {
	d := New(committedIndex(t))
	if n := d.NumCharacters(); n != 1623 {
		t.Errorf("%d characters, want 1623", n)
	}
	sets := map[string]int{}
	alphabets := map[string]int{}
	for _, a := range d.Index().Alphabets {
		alphabets[a.Set]++
		sets[a.Set] += len(a.Characters)
	}
	if sets["background"] != 964 || sets["evaluation"] != 659 || alphabets["background"] != 30 || alphabets["evaluation"] != 20 {
		t.Errorf("sets %v over alphabets %v, want 964 background characters in 30 alphabets, 659 evaluation in 20", sets, alphabets)
	}
	// The README's example: the first evaluation character is global id 965.
	if c := d.Character(964); c.Alphabet != "Angelic" || c.Name != "character01" || c.ID != 965 {
		t.Errorf("character 964 is %+v, want Angelic/character01, id 965", c)
	}
}

// members returns, per character, the set of rotations a split holds.
func members(s *Split) map[int]map[int]bool {
	m := map[int]map[int]bool{}
	for _, c := range s.Classes {
		if m[c.Char] == nil {
			m[c.Char] = map[int]bool{}
		}
		m[c.Char][c.Rot] = true
	}
	return m
}

func TestSplits(t *testing.T) {
	d := New(committedIndex(t))
	split := func(name string) *Split {
		s, err := d.Split(name)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, tc := range []struct {
		name         string
		chars, rots  int
		alphabetWise bool
	}{
		{"vinyals-train", 1028, 4, false},
		{"vinyals-val", 172, 4, false},
		{"vinyals-trainval", 1200, 4, false},
		{"vinyals-test", 423, 4, false},
		{"lake-background", 964, 1, true},
		{"lake-evaluation", 659, 1, true},
	} {
		s := split(tc.name)
		m := members(s)
		if len(m) != tc.chars || len(s.Classes) != tc.chars*tc.rots {
			t.Errorf("%s: %d characters, %d classes; want %d and %d", tc.name, len(m), len(s.Classes), tc.chars, tc.chars*tc.rots)
		}
		for c, rots := range m {
			if len(rots) != tc.rots {
				t.Errorf("%s: character %s has rotations %v, want %d", tc.name, d.ClassName(Class{Char: c}), rots, tc.rots)
			}
		}
		if tc.alphabetWise {
			// Lake: whole alphabets.
			count := map[int]int{}
			for c := range m {
				count[d.AlphabetOf(c)]++
			}
			for a, n := range count {
				if al := d.Index().Alphabets[a]; n != len(al.Characters) {
					t.Errorf("%s holds %d of the %d characters of %s", tc.name, n, len(al.Characters), al.Name)
				}
			}
		}
	}
	disjoint := func(a, b string) {
		mb := members(split(b))
		for c := range members(split(a)) {
			if mb[c] != nil {
				t.Errorf("%s and %s share character %s (rotations %v)", a, b, d.ClassName(Class{Char: c}), mb[c])
			}
		}
	}
	disjoint("vinyals-trainval", "vinyals-test")
	disjoint("vinyals-train", "vinyals-val")
	disjoint("lake-background", "lake-evaluation")
	// trainval = train ∪ val, class for class.
	tv := members(split("vinyals-trainval"))
	for _, part := range []string{"vinyals-train", "vinyals-val"} {
		for c := range members(split(part)) {
			if tv[c] == nil {
				t.Errorf("%s character %d missing from trainval", part, c)
			}
			delete(tv, c)
		}
	}
	if len(tv) != 0 {
		t.Errorf("%d trainval characters in neither train nor val", len(tv))
	}
	if _, err := d.Split("vinyals"); err == nil || !strings.Contains(err.Error(), "vinyals-test") {
		t.Errorf("unknown split: got %v, want an error listing the names", err)
	}
}

func TestLoadDirSplit(t *testing.T) {
	d, err := LoadDir(assetDir, "vinyals-test")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := d.Split("vinyals-test")
	if got := d.Alphabets(s); len(got) != 13 || got[0] != "Gurmukhi" {
		t.Errorf("vinyals-test alphabets %v, want 13 starting with Gurmukhi", got)
	}
	if m := d.Missing(s); m != nil {
		t.Errorf("missing after LoadDir: %v", m)
	}
	if d.Loaded("Latin") {
		t.Error("Latin loaded, but vinyals-test does not need it")
	}
	train, _ := d.Split("vinyals-train")
	if m := d.Missing(train); len(m) == 0 {
		t.Error("vinyals-train reported complete with only the test alphabets loaded")
	}
	// Every loaded image has ink and paper: a sheet misread would not.
	for _, c := range s.Classes[:40] {
		p := d.Pixels(c.Char, 7)
		var ink, paper int
		for _, v := range p {
			if v > 127 {
				ink++
			} else if v == 0 {
				paper++
			}
		}
		if ink < 10 || paper < 400 {
			t.Fatalf("%s drawer 7: %d ink pixels, %d paper, want a drawing", d.ClassName(c), ink, paper)
		}
	}
}

// tinyIndex is an index of one alphabet of n characters.
func tinyIndex(n int) *Index {
	ix := &Index{Format: Format, ImageSize: ImageSize, Drawers: Drawers}
	a := Alphabet{Name: "Tiny", Set: "background", File: "Tiny.png"}
	for i := range n {
		a.Characters = append(a.Characters, Character{Name: fmt.Sprintf("character%02d", i+1), ID: i + 1, Row: i, Vinyals: "train"})
	}
	ix.Alphabets = []Alphabet{a}
	return ix
}

func encodePNG(t *testing.T, img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestWriteImageRotations(t *testing.T) {
	d := New(tinyIndex(1))
	// Drawer 3: one pixel in the top-right corner and one at (row 5, col 2).
	sheet := image.NewGray(image.Rect(0, 0, Drawers*ImageSize, ImageSize))
	sheet.Pix[0*sheet.Stride+3*ImageSize+27] = 255
	sheet.Pix[5*sheet.Stride+3*ImageSize+2] = 51
	if err := d.AddAlphabetSheet("Tiny", encodePNG(t, sheet)); err != nil {
		t.Fatal(err)
	}
	const n = ImageSize
	// Where each pixel lands under 0..3 counter-clockwise quarter turns.
	for rot, want := range [4][2][2]int{
		{{0, 27}, {5, 2}},
		{{0, 0}, {n - 1 - 2, 5}},
		{{27, 0}, {n - 1 - 5, n - 1 - 2}},
		{{27, 27}, {2, n - 1 - 5}},
	} {
		dst := make([]float32, n*n)
		d.WriteImage(dst, 0, 3, rot)
		var sum float32
		for _, v := range dst {
			sum += v
		}
		if got := dst[want[0][0]*n+want[0][1]]; got != 1 {
			t.Errorf("rot %d: corner pixel not at %v (value %v there)", rot, want[0], got)
		}
		if got := dst[want[1][0]*n+want[1][1]]; got != 0.2 {
			t.Errorf("rot %d: pixel (5, 2) not at %v (value %v there, want 0.2)", rot, want[1], got)
		}
		if sum != 1.2 {
			t.Errorf("rot %d: total ink %v, want 1.2", rot, sum)
		}
	}
}

func TestAddAlphabetSheetErrors(t *testing.T) {
	d := New(tinyIndex(2))
	good := image.NewGray(image.Rect(0, 0, Drawers*ImageSize, 2*ImageSize))
	for _, tc := range []struct {
		name, alphabet string
		data           []byte
		want           string
	}{
		{"unknown alphabet", "Latin", encodePNG(t, good), `no alphabet "Latin"`},
		{"not a PNG", "Tiny", []byte("GIF89a"), "Tiny.png"},
		{"wrong size", "Tiny", encodePNG(t, image.NewGray(image.Rect(0, 0, 560, 28))), "want 560x56"},
		{"colour", "Tiny", encodePNG(t, image.NewRGBA(image.Rect(0, 0, 560, 56))), "greyscale"},
	} {
		err := d.AddAlphabetSheet(tc.alphabet, tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	if d.Loaded("Tiny") || d.Pixels(0, 0) != nil {
		t.Error("a failed AddAlphabetSheet left pixels behind")
	}
	if err := d.AddAlphabetSheet("Tiny", encodePNG(t, good)); err != nil {
		t.Fatal(err)
	}
	if !d.Loaded("Tiny") || len(d.Pixels(1, 19)) != ImageSize*ImageSize {
		t.Error("sheet added but not loaded")
	}
}

func TestParseIndexErrors(t *testing.T) {
	mutate := map[string]func(*Index){
		"format":    func(ix *Index) { ix.Format = "other" },
		"drawers":   func(ix *Index) { ix.Drawers = 10 },
		"set":       func(ix *Index) { ix.Alphabets[0].Set = "test" },
		"file":      func(ix *Index) { ix.Alphabets[0].File = "../x.png" },
		"row":       func(ix *Index) { ix.Alphabets[0].Characters[1].Row = 5 },
		"id":        func(ix *Index) { ix.Alphabets[0].Characters[1].ID = 1 },
		"vinyals":   func(ix *Index) { ix.Alphabets[0].Characters[0].Vinyals = "trainval" },
		"alphabets": func(ix *Index) { ix.Alphabets = nil },
	}
	for name, f := range mutate {
		ix := tinyIndex(2)
		f(ix)
		var b bytes.Buffer
		if err := json.NewEncoder(&b).Encode(ix); err != nil {
			t.Fatal(err)
		}
		if _, err := ParseIndex(b.Bytes()); err == nil {
			t.Errorf("%s: bad index accepted", name)
		}
	}
	if _, err := ParseIndex([]byte("{")); err == nil {
		t.Error("truncated JSON accepted")
	}
}

func BenchmarkLoadVinyalsTest(b *testing.B) {
	for b.Loop() {
		if _, err := LoadDir(assetDir, "vinyals-test"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAddAlphabetImageRGBA feeds the sheet as a canvas would (RGBA, grey
// values in every colour channel) and expects the same pixels as the PNG.
func TestAddAlphabetImageRGBA(t *testing.T) {
	ix := committedIndex(t)
	b, err := os.ReadFile(assetDir + "/Keble.png")
	if err != nil {
		t.Fatal(err)
	}
	fromPNG, fromRGBA := New(ix), New(ix)
	if err := fromPNG.AddAlphabetSheet("Keble", b); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, image.Point{}, draw.Src)
	if err := fromRGBA.AddAlphabetImage("Keble", rgba); err != nil {
		t.Fatal(err)
	}
	s, _ := fromPNG.Split("lake-evaluation")
	n := 0
	for _, c := range s.Classes {
		if fromPNG.Character(c.Char).Alphabet != "Keble" {
			continue
		}
		for dr := range Drawers {
			if !bytes.Equal(fromPNG.Pixels(c.Char, dr), fromRGBA.Pixels(c.Char, dr)) {
				t.Fatalf("%s drawer %d differs between PNG and RGBA", fromPNG.ClassName(c), dr)
			}
			n++
		}
	}
	if n != 26*Drawers {
		t.Errorf("compared %d Keble images, want %d", n, 26*Drawers)
	}
}
