package classes

import (
	"fmt"
	"strings"
	"testing"
)

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"circle":                          "circle",
		"  circle \t":                     "circle",
		"a\u202Eevil\u0000":               "aevil",     // right-to-left override, NUL
		"\u202Alr\u202Bembed\u202C":       "lrembed",   // embeddings and pop
		"\u2066iso\u2067late\u2068\u2069": "isolate",   // isolates
		"mark\u200E\u200F":                "mark",      // LRM, RLM
		"zero\u200Bwidth\u200D\uFEFF":     "zerowidth", // ZWSP, ZWJ, BOM
		"soft\u00ADhyphen":                "softhyphen",
		"tab\there\nnewline":              "tab here newline",
		"line\u2028sep\u00A0nbsp":         "line sep nbsp",
		"\x07bell\x1b[31mred\x7f":         "bell[31mred",
		"\u0085next":                      "next",
		"bad\xffutf8":                     "bad\uFFFDutf8",
		"ünïcödé 字 ⌘":                     "ünïcödé 字 ⌘",
		"\u202E\u200E\u0000":              "",
	} {
		if got := CleanName(in); got != want {
			t.Errorf("CleanName(%+q) = %+q, want %+q", in, got, want)
		}
	}
}

// TestNamesAtEveryEntry: a typed name (Add, Rename), an imported or
// restored one (Decode) all lose control and bidi characters; a name of
// nothing else is refused, and the length cap counts the cleaned name.
func TestNamesAtEveryEntry(t *testing.T) {
	var l List
	i, err := l.Add("a\u202Eevil\u0000")
	if err != nil || l.Class(i).Name != "aevil" {
		t.Fatalf("Add: %q, %v", l.Class(i).Name, err)
	}
	if err := l.Rename(i, "x\u2066y\u2069"); err != nil || l.Class(i).Name != "xy" {
		t.Fatalf("Rename: %q, %v", l.Class(i).Name, err)
	}
	if err := l.Rename(i, "\u202E\u200F"); err == nil || l.Class(i).Name != "xy" {
		t.Errorf("a name of controls only: %v, name %q", err, l.Class(i).Name)
	}
	if _, err := l.Add("x\u200By"); err == nil {
		t.Error(`"x\u200By" accepted beside "xy"`)
	}
	long := strings.Repeat("\u202E", 100) + strings.Repeat("n", MaxNameLen)
	if _, err := l.Add(long); err != nil {
		t.Errorf("40 characters among 100 overrides: %v", err)
	}
	if _, err := l.Add(strings.Repeat("m", MaxNameLen+1)); err == nil {
		t.Error("41 characters accepted")
	}
	doc := `{"format":"metaglot-classes","version":1,"classes":[{"name":"left\u2067to\u2069right\u200e"},{"name":"tab\there\u0000"}]}`
	m, err := Decode([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if m.Class(0).Name != "lefttoright" || m.Class(1).Name != "tab here" {
		t.Errorf("decoded names %+q, %+q", m.Class(0).Name, m.Class(1).Name)
	}
	if got := string(m.Encode()); strings.ContainsAny(got, "\u2067\u2069\u200e\t") || strings.Contains(got, `\u0000`) {
		t.Errorf("encoded again with controls: %s", got)
	}
}

func TestFileSizeCap(t *testing.T) {
	if err := CheckFileSize(MaxFileBytes); err != nil {
		t.Errorf("exactly MaxFileBytes: %v", err)
	}
	err := CheckFileSize(50 << 20)
	if err == nil || err.Error() != "the file is 50.0 MB; a classes file has at most 16 MB" {
		t.Errorf("50 MB: %v", err)
	}
	// Decode refuses a document above the cap before parsing it, even a
	// valid one (20 classes of 20 long drawings: within every other limit).
	big := bigDoc(MaxFileBytes + 1)
	if _, err := Decode(big); err == nil || !strings.Contains(err.Error(), "a classes file has at most 16 MB") {
		t.Errorf("Decode of %d bytes: %v", len(big), err)
	}
}

// bigDoc returns a valid classes document of at least size bytes.
func bigDoc(size int) []byte {
	pts := make([]string, 4000)
	for i := range pts {
		pts[i] = fmt.Sprintf("[%d.25,%d.5]", 40+i%7, 40+i%11)
	}
	stroke := "[" + strings.Join(pts, ",") + "]"
	strokes := size/(400*len(stroke)) + 1
	ex := `{"strokes":[` + strings.Repeat(stroke+",", strokes-1) + stroke + `]}`
	var cls []string
	for c := range MaxClasses {
		cls = append(cls, fmt.Sprintf(`{"name":"c%d","examples":[%s]}`, c, strings.Repeat(ex+",", MaxExamples-1)+ex))
	}
	return []byte(`{"format":"metaglot-classes","version":1,"classes":[` + strings.Join(cls, ",") + `]}`)
}

// FuzzDecode feeds the classes reader arbitrary documents: it must never
// panic, and what it accepts must hold to the limits, carry clean names,
// and come back unchanged through Encode and Decode.
func FuzzDecode(f *testing.F) {
	var l List
	a, _ := l.Add("circle")
	_ = l.AddExample(a, circle())
	b, _ := l.Add("real")
	_ = l.AddExample(b, Example{Image: make([]float32, 28*28)})
	f.Add(l.Encode())
	head := `{"format":"metaglot-classes","version":1,"classes":`
	for _, s := range []string{
		head + `[]}`,
		head + `[{"name":"a\u202eevil\u0000","examples":[{"strokes":[[[1,2],[3,4]]]}]}]}`,
		head + `[{"name":"a","examples":[{"image28":"AA=="}]}]}`,
		head + `[{"name":"a"},{"name":"a\u200b"}]}`,
		`{"format":`, `[1,2,3]`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data)
		if err != nil {
			return
		}
		if m.Len() > MaxClasses {
			t.Fatalf("%d classes", m.Len())
		}
		for i := range m.Len() {
			c := m.Class(i)
			if c.Name == "" || CleanName(c.Name) != c.Name || len([]rune(c.Name)) > MaxNameLen {
				t.Fatalf("class %d has name %+q", i, c.Name)
			}
			if len(c.Examples) > MaxExamples {
				t.Fatalf("class %d has %d examples", i, len(c.Examples))
			}
		}
		again, err := Decode(m.Encode())
		if err != nil {
			t.Fatalf("Decode(Encode(decoded)): %v", err)
		}
		if string(again.Encode()) != string(m.Encode()) {
			t.Fatalf("not stable through Encode and Decode")
		}
	})
}
