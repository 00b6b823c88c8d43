package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"metaglot/core/omniglot"
	"metaglot/core/preprocess"
)

// srcSize is the side of the original images.
const srcSize = 105

// pngToolchain is the Go release whose image/png and compress/flate wrote
// the committed sheets. Their pixels are the same under any Go release, but
// the compressed bytes are not (Go 1.27 compresses differently from 1.26),
// so "make assets" pins this toolchain; keep the two in step.
const pngToolchain = "go1.26.8"

// alphabetRow is one line of alphabets.tsv.
type alphabetRow struct {
	name, set     string
	firstID, n    int
	npzFirstIndex int
}

// stats counts what build wrote.
type stats struct {
	alphabets, characters, images int
	pixelBytes, fileBytes         int64
}

// build reads the data in src and writes the assets into out. With names
// non-empty it writes only those alphabets' sheets (index and licenses are
// always written).
func build(src, out string, names []string) (stats, error) {
	var st stats
	rows, err := readAlphabets(filepath.Join(src, "alphabets.tsv"))
	if err != nil {
		return st, err
	}
	for _, n := range names {
		if !slices.ContainsFunc(rows, func(r alphabetRow) bool { return r.name == n }) {
			return st, fmt.Errorf("-alphabets: no alphabet %q in alphabets.tsv", n)
		}
	}
	vinyals, err := readVinyals(filepath.Join(src, "splits", "vinyals"))
	if err != nil {
		return st, err
	}
	ix, err := makeIndex(rows, vinyals)
	if err != nil {
		return st, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return st, err
	}
	want := func(name string) bool { return len(names) == 0 || slices.Contains(names, name) }
	for _, set := range []string{"background", "evaluation"} {
		var setRows []alphabetRow
		for _, r := range rows {
			if r.set == set {
				setRows = append(setRows, r)
			}
		}
		if !slices.ContainsFunc(setRows, func(r alphabetRow) bool { return want(r.name) }) {
			continue
		}
		err := eachSheet(filepath.Join(src, "images_"+set+".npz"), setRows, want, func(r alphabetRow, sheet *image.Gray) error {
			var buf bytes.Buffer
			enc := png.Encoder{CompressionLevel: png.BestCompression}
			if err := enc.Encode(&buf, sheet); err != nil {
				return fmt.Errorf("encoding the sheet of %s: %w", r.name, err)
			}
			if err := os.WriteFile(filepath.Join(out, sheetFile(r.name)), buf.Bytes(), 0o644); err != nil {
				return err
			}
			st.alphabets++
			st.characters += r.n
			st.images += r.n * omniglot.Drawers
			st.pixelBytes += int64(len(sheet.Pix))
			st.fileBytes += int64(buf.Len())
			return nil
		})
		if err != nil {
			return st, err
		}
	}
	files := map[string][]byte{"index.json": encodeIndex(ix)}
	for dst, from := range map[string]string{
		"LICENSE.omniglot": filepath.Join(src, "LICENSE.omniglot"),
		"LICENSE.splits":   filepath.Join(src, "splits", "LICENSE.splits"),
	} {
		if files[dst], err = os.ReadFile(from); err != nil {
			return st, err
		}
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
			return st, err
		}
		st.fileBytes += int64(len(b))
	}
	return st, nil
}

// sheetFile is the name of an alphabet's sprite sheet.
func sheetFile(alphabet string) string { return alphabet + ".png" }

// readAlphabets reads alphabets.tsv and checks that global ids and npz
// indices run on without gaps.
func readAlphabets(path string) ([]alphabetRow, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rows []alphabetRow
	nextID, nextIndex := 1, map[string]int{}
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			return nil, fmt.Errorf("%s:%d: %d fields, want 5", path, i+1, len(f))
		}
		r := alphabetRow{name: f[0], set: f[1]}
		var errs [3]error
		r.firstID, errs[0] = strconv.Atoi(f[2])
		r.n, errs[1] = strconv.Atoi(f[3])
		r.npzFirstIndex, errs[2] = strconv.Atoi(f[4])
		for _, e := range errs {
			if e != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, i+1, e)
			}
		}
		if r.set != "background" && r.set != "evaluation" {
			return nil, fmt.Errorf("%s:%d: set %q", path, i+1, r.set)
		}
		if r.firstID != nextID || r.npzFirstIndex != nextIndex[r.set] || r.n < 1 {
			return nil, fmt.Errorf("%s:%d: %s: first id %d / npz index %d / %d characters do not follow the previous rows",
				path, i+1, r.name, r.firstID, r.npzFirstIndex, r.n)
		}
		nextID += r.n
		nextIndex[r.set] += r.n
		rows = append(rows, r)
	}
	return rows, nil
}

// readVinyals reads train.txt, val.txt, test.txt and trainval.txt and
// returns the split ("train", "val" or "test") of each "Alphabet/characterNN".
// It checks that every character is listed with its four rotations in
// exactly one of train, val and test, and that trainval is train ∪ val.
func readVinyals(dir string) (map[string]string, error) {
	split := map[string]string{}
	rots := map[string][]string{}
	for _, name := range []string{"train", "val", "test"} {
		lines, err := readLines(filepath.Join(dir, name+".txt"))
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			char, rot, ok := cutLast(l)
			if !ok || !slices.Contains([]string{"rot000", "rot090", "rot180", "rot270"}, rot) {
				return nil, fmt.Errorf("%s/%s.txt: %q is not Alphabet/characterNN/rotDDD", dir, name, l)
			}
			if prev, ok := split[char]; ok && prev != name {
				return nil, fmt.Errorf("vinyals split: %s is in both %s and %s", char, prev, name)
			}
			split[char] = name
			rots[char] = append(rots[char], rot)
		}
	}
	for char, r := range rots {
		slices.Sort(r)
		if len(r) != 4 || len(slices.Compact(slices.Clone(r))) != 4 {
			return nil, fmt.Errorf("vinyals split: %s has rotations %v, want each of the four once", char, r)
		}
	}
	trainval, err := readLines(filepath.Join(dir, "trainval.txt"))
	if err != nil {
		return nil, err
	}
	n := 0
	for _, l := range trainval {
		char, _, _ := cutLast(l)
		if s := split[char]; s != "train" && s != "val" {
			return nil, fmt.Errorf("vinyals split: trainval lists %s, which is in %q", l, s)
		}
		n++
	}
	want := 0
	for _, s := range split {
		if s != "test" {
			want += 4
		}
	}
	if n != want {
		return nil, fmt.Errorf("vinyals split: trainval has %d lines, train and val %d", n, want)
	}
	return split, nil
}

func readLines(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return strings.Fields(string(b)), nil
}

func cutLast(s string) (before, after string, ok bool) {
	i := strings.LastIndexByte(s, '/')
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// makeIndex builds the index from alphabets.tsv and the Vinyals split.
func makeIndex(rows []alphabetRow, vinyals map[string]string) (*omniglot.Index, error) {
	ix := &omniglot.Index{
		Format:    omniglot.Format,
		ImageSize: omniglot.ImageSize,
		Drawers:   omniglot.Drawers,
		Ink:       "8-bit greyscale PNG sheets, 255 = ink (1.0), 0 = paper (0.0); cell (row r, column d) = character with that row, drawer d",
		Source: "made by metaglot's cmd/mkassets (make assets) from the 105x105 Omniglot images, " +
			"resized to 28x28 by core/preprocess.Resize28; Vinyals split from the Prototypical Networks code (splits/vinyals)",
		Attribution: "Omniglot: B. M. Lake, R. Salakhutdinov, J. B. Tenenbaum (2015), Human-level concept learning " +
			"through probabilistic program induction, Science 350(6266):1332-1338",
		License: "MIT: LICENSE.omniglot (data, Copyright (c) 2015 Brenden Lake), LICENSE.splits (split files, Copyright (c) 2017 Jake Snell)",
	}
	used := 0
	for _, r := range rows {
		a := omniglot.Alphabet{Name: r.name, Set: r.set, File: sheetFile(r.name)}
		for i := range r.n {
			name := fmt.Sprintf("character%02d", i+1)
			s, ok := vinyals[r.name+"/"+name]
			if !ok {
				return nil, fmt.Errorf("vinyals split: %s/%s is in none of train, val, test", r.name, name)
			}
			used++
			a.Characters = append(a.Characters, omniglot.Character{Name: name, ID: r.firstID + i, Row: i, Vinyals: s})
		}
		ix.Alphabets = append(ix.Alphabets, a)
	}
	if used != len(vinyals) {
		return nil, fmt.Errorf("vinyals split: %d characters listed, %d in alphabets.tsv", len(vinyals), used)
	}
	// What we write must be what omniglot reads back.
	if _, err := omniglot.ParseIndex(encodeIndex(ix)); err != nil {
		return nil, err
	}
	return ix, nil
}

// encodeIndex writes the index as JSON with one line per character, so the
// file is both compact and readable.
func encodeIndex(ix *omniglot.Index) []byte {
	q := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err) // strings and ints always marshal
		}
		return string(b)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "{\n  %q: %s,\n  %q: %d,\n  %q: %d,\n  %q: %s,\n  %q: %s,\n  %q: %s,\n  %q: %s,\n  %q: [\n",
		"format", q(ix.Format), "image_size", ix.ImageSize, "drawers", ix.Drawers, "ink", q(ix.Ink),
		"source", q(ix.Source), "attribution", q(ix.Attribution), "license", q(ix.License), "alphabets")
	for i, a := range ix.Alphabets {
		fmt.Fprintf(&b, "    {\"name\": %s, \"set\": %s, \"file\": %s, \"characters\": [\n", q(a.Name), q(a.Set), q(a.File))
		for j, c := range a.Characters {
			fmt.Fprintf(&b, "      {\"name\": %s, \"id\": %d, \"row\": %d, \"vinyals\": %s}", q(c.Name), c.ID, c.Row, q(c.Vinyals))
			b.WriteString(map[bool]string{true: ",\n", false: "\n"}[j < len(a.Characters)-1])
		}
		b.WriteString(map[bool]string{true: "    ]},\n", false: "    ]}\n"}[i < len(ix.Alphabets)-1])
	}
	b.WriteString("  ]\n}\n")
	return []byte(b.String())
}

// eachSheet streams the images of one npz (the alphabets rows, in order) and
// calls emit with the finished sprite sheet of every alphabet that want
// accepts. It stops reading after the last wanted alphabet.
func eachSheet(path string, rows []alphabetRow, want func(string) bool, emit func(alphabetRow, *image.Gray) error) error {
	z, err := zip.OpenReader(path)
	if err != nil {
		return err
	}
	defer z.Close()
	total := 0
	for _, r := range rows {
		total += r.n
	}
	if err := checkLabels(&z.Reader, total); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	imgs, err := openNPZArray(&z.Reader, "images")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer imgs.Close()
	if imgs.Descr != "|b1" || !slices.Equal(imgs.Shape, []int{total, omniglot.Drawers, srcSize, srcSize}) {
		return fmt.Errorf("%s: images.npy is %s %v, want |b1 [%d %d %d %d]", path, imgs.Descr, imgs.Shape, total, omniglot.Drawers, srcSize, srcSize)
	}
	last := -1
	for i, r := range rows {
		if want(r.name) {
			last = i
		}
	}
	raw := make([]byte, srcSize*srcSize)
	ink := make([]float32, srcSize*srcSize)
	small := make([]float32, preprocess.Size*preprocess.Size)
	const n = omniglot.ImageSize
	for _, r := range rows[:last+1] {
		var sheet *image.Gray
		if want(r.name) {
			sheet = image.NewGray(image.Rect(0, 0, omniglot.Drawers*n, r.n*n))
		}
		for c := range r.n {
			for d := range omniglot.Drawers {
				if _, err := io.ReadFull(imgs.r, raw); err != nil {
					return fmt.Errorf("%s: images.npy, %s character %d drawer %d: %w", path, r.name, c+1, d, err)
				}
				if sheet == nil {
					continue
				}
				for i, v := range raw {
					ink[i] = 0
					if v == 0 { // 0 is ink in the npz
						ink[i] = 1
					}
				}
				preprocess.Resize28(ink, srcSize, srcSize, small)
				for y := range n {
					row := sheet.Pix[(c*n+y)*sheet.Stride+d*n:]
					for x := range n {
						row[x] = uint8(math.Round(float64(small[y*n+x]) * 255))
					}
				}
			}
		}
		if sheet != nil {
			if err := emit(r, sheet); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkLabels checks that labels.npy is (total, 20) int64 with labels[c, d] = c.
func checkLabels(z *zip.Reader, total int) error {
	a, err := openNPZArray(z, "labels")
	if err != nil {
		return err
	}
	defer a.Close()
	if a.Descr != "<i8" || !slices.Equal(a.Shape, []int{total, omniglot.Drawers}) {
		return fmt.Errorf("labels.npy is %s %v, want <i8 [%d %d]", a.Descr, a.Shape, total, omniglot.Drawers)
	}
	br := bufio.NewReader(a.r)
	var b [8]byte
	for c := range total {
		for d := range omniglot.Drawers {
			if _, err := io.ReadFull(br, b[:]); err != nil {
				return fmt.Errorf("labels.npy: %w", err)
			}
			if v := int64(uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
				uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56); v != int64(c) {
				return fmt.Errorf("labels.npy[%d, %d] = %d, want %d", c, d, v, c)
			}
		}
	}
	return nil
}
