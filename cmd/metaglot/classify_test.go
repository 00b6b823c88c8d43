package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"metaglot/core/omniglot"
)

const bundledProtoNet = testAssets + "/models/protonet.safetensors"

// writeDrawing saves drawer dr's image of character c as a PNG scaled by
// scale, black ink on white paper, or white on black if inverted.
func writeDrawing(t *testing.T, ds *omniglot.Dataset, c, dr, scale int, inverted bool, path string) {
	t.Helper()
	pix := ds.Pixels(c, dr)
	n := omniglot.ImageSize * scale
	img := image.NewGray(image.Rect(0, 0, n, n))
	for y := range n {
		for x := range n {
			ink := pix[(y/scale)*omniglot.ImageSize+x/scale]
			v := 255 - ink
			if inverted {
				v = ink
			}
			img.SetGray(x, y, color.Gray{Y: v})
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// testCharacters returns three test-split characters of different
// alphabets and the loaded dataset.
func testCharacters(t *testing.T) (*omniglot.Dataset, []int) {
	t.Helper()
	ds, err := omniglot.LoadDir(testAssets+"/omniglot", "vinyals-test")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ds.Split("vinyals-test")
	if err != nil {
		t.Fatal(err)
	}
	var chars []int
	seen := map[int]bool{}
	for _, c := range s.Classes {
		if a := ds.AlphabetOf(c.Char); !seen[a] && c.Rot == 0 {
			seen[a] = true
			chars = append(chars, c.Char)
		}
		if len(chars) == 3 {
			break
		}
	}
	return ds, chars
}

func TestClassifyFolders(t *testing.T) {
	ds, chars := testCharacters(t)
	dir := t.TempDir()
	names := []string{"alpha", "beta", "gamma"}
	for i, c := range chars {
		// Two examples per class, at two sizes and both polarities.
		writeDrawing(t, ds, c, 0, 1, false, filepath.Join(dir, "support", names[i], "a.png"))
		writeDrawing(t, ds, c, 1, 3, true, filepath.Join(dir, "support", names[i], "b.png"))
		writeDrawing(t, ds, c, 2, 2, i%2 == 0, filepath.Join(dir, "query", names[i]+".png"))
	}
	code, stdout, stderr := runCLI("classify", "-algo", "protonet", "-model", bundledProtoNet, "-assets", testAssets,
		"-support", filepath.Join(dir, "support"), "-query", filepath.Join(dir, "query"), "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res []classifyResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("%v in %s", err, stdout)
	}
	if len(res) != 3 {
		t.Fatalf("%d results, want 3", len(res))
	}
	correct := 0
	for _, r := range res {
		var sum float64
		for _, n := range names {
			p, ok := r.Probs[n]
			if !ok {
				t.Errorf("%s: no probability for class %s", r.File, n)
			}
			sum += p
		}
		if math.Abs(sum-1) > 1e-4 || r.Prob != r.Probs[r.Class] {
			t.Errorf("%s: probabilities %v (sum %v), prob %v of %s", r.File, r.Probs, sum, r.Prob, r.Class)
		}
		if r.File == r.Class+".png" {
			correct++
		}
	}
	// A drawing by a third person of one of three characters, each shown
	// twice: even the early bundled model gets this right.
	if correct < 2 {
		t.Errorf("%d of 3 queries classified correctly: %+v", correct, res)
	}

	// One query alone gets exactly the probabilities it got among others.
	alone := filepath.Join(dir, "alone")
	b, err := os.ReadFile(filepath.Join(dir, "query", "beta.png"))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(alone, 0o755)
	os.WriteFile(filepath.Join(alone, "beta.png"), b, 0o644)
	code, stdout, stderr = runCLI("classify", "-model", bundledProtoNet, "-assets", testAssets,
		"-support", filepath.Join(dir, "support"), "-query", alone, "-json")
	if code != 0 {
		t.Fatalf("alone: exit %d: %s", code, stderr)
	}
	var one []classifyResult
	if err := json.Unmarshal([]byte(stdout), &one); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if d := math.Abs(one[0].Probs[n] - res[1].Probs[n]); d > 1e-6 {
			t.Errorf("class %s: %v alone, %v among others", n, one[0].Probs[n], res[1].Probs[n])
		}
	}

	// Plain-text output: one line per query.
	code, stdout, _ = runCLI("classify", "-algo", "protonet", "-model", bundledProtoNet, "-assets", testAssets,
		"-support", filepath.Join(dir, "support"), "-query", filepath.Join(dir, "query"))
	if code != 0 || strings.Count(stdout, "\n") != 3 || !strings.Contains(stdout, "alpha.png\t") {
		t.Errorf("text output (exit %d):\n%s", code, stdout)
	}
}

func TestClassifyFlatSupport(t *testing.T) {
	ds, chars := testCharacters(t)
	dir := t.TempDir()
	for i, c := range chars {
		name := []string{"x", "y", "z"}[i]
		writeDrawing(t, ds, c, 0, 2, false, filepath.Join(dir, "support", name+".png"))
		writeDrawing(t, ds, c, 5, 2, false, filepath.Join(dir, "query", name+"-query.png"))
	}
	code, stdout, stderr := runCLI("classify", "-model", bundledProtoNet, "-assets", testAssets,
		"-support", filepath.Join(dir, "support"), "-query", filepath.Join(dir, "query"), "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res []classifyResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if len(r.Probs) != 3 || r.Probs["x"]+r.Probs["y"]+r.Probs["z"] < 0.999 {
			t.Errorf("%s: probs %v", r.File, r.Probs)
		}
	}
}

func TestClassifyErrors(t *testing.T) {
	ds, chars := testCharacters(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	for i, c := range chars[:2] {
		writeDrawing(t, ds, c, 0, 1, false, filepath.Join(good, []string{"a", "b"}[i]+".png"))
	}
	empty := filepath.Join(dir, "empty")
	os.MkdirAll(empty, 0o755)
	one := filepath.Join(dir, "one")
	writeDrawing(t, ds, chars[0], 0, 1, false, filepath.Join(one, "a.png"))
	notPNG := filepath.Join(dir, "notpng")
	os.MkdirAll(notPNG, 0o755)
	os.WriteFile(filepath.Join(notPNG, "a.txt"), []byte("hello"), 0o644)
	broken := filepath.Join(dir, "broken")
	os.MkdirAll(broken, 0o755)
	os.WriteFile(filepath.Join(broken, "a.png"), []byte("\x89PNG\r\n\x1a\nnot really"), 0o644)
	emptyClass := filepath.Join(dir, "emptyclass")
	os.MkdirAll(filepath.Join(emptyClass, "a"), 0o755)
	writeDrawing(t, ds, chars[0], 0, 1, false, filepath.Join(emptyClass, "b", "x.png"))
	badModel := filepath.Join(dir, "bad.safetensors")
	os.WriteFile(badModel, []byte("garbage that is not safetensors"), 0o644)

	m := []string{"-model", bundledProtoNet, "-assets", testAssets}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-support", good}, 2, "-support and -query are required"},
		{append([]string{"-support", filepath.Join(dir, "nope"), "-query", good}, m...), 1, "nope"},
		{append([]string{"-support", empty, "-query", good}, m...), 1, "is empty"},
		{append([]string{"-support", one, "-query", good}, m...), 1, "at least 2"},
		{append([]string{"-support", notPNG, "-query", good}, m...), 1, "a.txt is not a PNG"},
		{append([]string{"-support", good, "-query", broken}, m...), 1, filepath.Join(broken, "a.png")},
		{append([]string{"-support", emptyClass, "-query", good}, m...), 1, "holds no PNG files"},
		{append([]string{"-support", good, "-query", empty}, m...), 1, "no PNG files"},
		{[]string{"-support", good, "-query", good, "-model", badModel}, 1, badModel},
		{[]string{"-support", good, "-query", good, "-model", filepath.Join(dir, "missing.safetensors")}, 1, "missing.safetensors"},
		{[]string{"-support", good, "-query", good, "-algo", "knn"}, 2, `-algo "knn"`},
		{append([]string{"-support", good, "-query", good, "-algo", "fomaml"}, m...), 2, "holds a protonet model"},
		{append([]string{"-support", good, "-query", good, "-proto-head"}, m...), 2, "-proto-head"},
	} {
		code, _, stderr := runCLI(append([]string{"classify"}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line mentioning %q", tc.args, code, stderr, tc.code, tc.msg)
		}
	}
}

// claimingPNG returns a small PNG whose header claims a w×h 16-bit RGBA
// image: a 1×1 PNG with its IHDR rewritten.
func claimingPNG(t *testing.T, w, h uint32) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA64(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	ihdr := b[12 : 12+4+13] // type and data of the first chunk
	binary.BigEndian.PutUint32(ihdr[4:], w)
	binary.BigEndian.PutUint32(ihdr[8:], h)
	binary.BigEndian.PutUint32(b[12+4+13:], crc32.ChecksumIEEE(ihdr))
	return b
}

// TestClassifyHugePNG: a tiny PNG claiming 60000×60000 16-bit RGBA pixels
// (28.8 GB decoded) and an honest 8000×8000 one are refused from their
// headers in one line naming the file, as support or query (the first
// used to end classify in a fatal out-of-memory error, the second took
// 685 MB).
func TestClassifyHugePNG(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	writeSquares(t, good, "a", "b")
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"bomb", claimingPNG(t, 60000, 60000), "60000x60000"},
		{"wide", claimingPNG(t, 8000, 8000), "8000x8000"},
	} {
		bad := filepath.Join(dir, tc.name)
		if err := os.MkdirAll(bad, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bad, "q.png"), tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		support := filepath.Join(dir, tc.name+"-support") // a.png, q.png
		writeSquares(t, support, "a")
		if err := os.WriteFile(filepath.Join(support, "q.png"), tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"-support", good, "-query", bad}, {"-support", support, "-query", good}} {
			args = append([]string{"classify", "-algo", "protonet", "-assets", testAssets}, args...)
			code, _, stderr := runCLI(args...)
			if code != 1 || !strings.Contains(stderr, "q.png: preprocess: "+tc.want) || !strings.Contains(stderr, "more than 16777216 pixels") ||
				strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("%v: exit %d, stderr %q; want one line naming q.png and %s", args, code, stderr, tc.want)
			}
		}
	}
}
