package lakeruns

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"metaglot/core/omniglot"
)

const assetDir = "../../../assets/omniglot"

// TestRuns checks the structure of the embedded runs: 20 runs, ten
// evaluation alphabets with two consecutive runs each on the same 20
// distinct characters, examples and tests by two different drawers among
// the first eight, and two runs spelled out from run_images.txt.
func TestRuns(t *testing.T) {
	rs := Runs()
	if len(rs) != 20 {
		t.Fatalf("%d runs, want 20", len(rs))
	}
	alphabets := map[string]int{}
	for i, r := range rs {
		if want := fmt.Sprintf("run%02d", i+1); r.Name != want {
			t.Errorf("run %d is named %s, want %s", i, r.Name, want)
		}
		alphabets[r.Alphabet]++
		if len(r.Characters) != 20 {
			t.Errorf("%s: %d characters", r.Name, len(r.Characters))
		}
		if s := slices.Compact(slices.Sorted(slices.Values(r.Characters))); len(s) != 20 {
			t.Errorf("%s: a character repeats", r.Name)
		}
		if r.Train == r.Test || r.Train < 0 || r.Train >= 8 || r.Test < 0 || r.Test >= 8 {
			t.Errorf("%s: drawers %d and %d, want two different of 0..7", r.Name, r.Train, r.Test)
		}
		if i%2 == 1 && (r.Alphabet != rs[i-1].Alphabet || !slices.Equal(r.Characters, rs[i-1].Characters)) {
			t.Errorf("%s: not the characters of %s", r.Name, rs[i-1].Name)
		}
	}
	if len(alphabets) != 10 {
		t.Errorf("%d alphabets, want 10: %v", len(alphabets), alphabets)
	}
	// run01: Atlantean/character01..26 (not 06, 11, 12, 15, 17, 18), 1011_05.png … as examples, 1019_08.png … as tests.
	r := rs[0]
	if r.Alphabet != "Atlantean" || r.Train != 4 || r.Test != 7 || r.Characters[5] != "character07" || r.Characters[19] != "character26" {
		t.Errorf("run01 = %+v", r)
	}
	// run16: Old Church Slavonic, drawer _01's examples, _02's tests.
	if r := rs[15]; r.Alphabet != "Old_Church_Slavonic_(Cyrillic)" || r.Train != 0 || r.Test != 1 || r.Characters[0] != "character02" {
		t.Errorf("run16 = %+v", r)
	}
}

// TestEpisodes builds every run from the assets and checks each image is
// the run's character by the run's drawer.
func TestEpisodes(t *testing.T) {
	ds, err := omniglot.LoadDir(assetDir, "lake-evaluation")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Runs() {
		ep, err := r.Episode(ds)
		if err != nil {
			t.Fatal(err)
		}
		if ep.Way != 20 || ep.Shot != 1 || ep.Query != 1 || len(ep.Labels) != 40 {
			t.Fatalf("%s: way %d shot %d query %d, %d images", r.Name, ep.Way, ep.Shot, ep.Query, len(ep.Labels))
		}
		for i, l := range ep.Labels {
			c := ep.Classes[l]
			ci := ds.Character(c.Char)
			d := r.Train
			if i >= 20 {
				d = r.Test
			}
			if ci.Alphabet != r.Alphabet || ci.Name != r.Characters[l] || c.Rot != 0 || ep.Drawers[i] != d || l != i%20 {
				t.Fatalf("%s image %d: %s/%s rot %d drawer %d label %d", r.Name, i, ci.Alphabet, ci.Name, c.Rot, ep.Drawers[i], l)
			}
			px := ds.Pixels(c.Char, d)
			for j, v := range ep.Images.Data[i*784 : (i+1)*784] {
				if v != float32(px[j])/255 {
					t.Fatalf("%s image %d pixel %d is %v, want %v", r.Name, i, j, v, float32(px[j])/255)
				}
			}
		}
	}
	// A data set without the evaluation alphabets' characters: a clear error.
	bg, err := omniglot.LoadDir(assetDir, "lake-background")
	if err != nil {
		t.Fatal(err)
	}
	r := Runs()[0]
	r.Alphabet = "Latin" // a background alphabet of 26 characters: loaded, so only the name check fails
	r.Characters[0] = "character99"
	if _, err := r.Episode(bg); err == nil || !strings.Contains(err.Error(), "1 of the 20 characters of Latin") {
		t.Errorf("missing character: error %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	chars := strings.Repeat(" 01", 19) + " 02"
	for _, tc := range []struct{ line, want string }{
		{"run01 Latin 01 02 01", "has 5 fields"},
		{"run01 Latin 00 02" + chars, `drawer "00"`},
		{"run01 Latin 01 21" + chars, `drawer "21"`},
		{"run01 Latin 03 03" + chars, "same drawer"},
		{"run01 Latin 01 02" + strings.Repeat(" 01", 19) + " x1", `character "x1"`},
	} {
		if _, err := parse("# comment\n" + tc.line + "\n"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one containing %q", tc.line, err, tc.want)
		}
	}
	if rs, err := parse("run01 Latin 01 02" + chars); err != nil || len(rs) != 1 || rs[0].Train != 0 || rs[0].Test != 1 || rs[0].Characters[19] != "character02" {
		t.Errorf("a good line: %+v, %v", rs, err)
	}
}
