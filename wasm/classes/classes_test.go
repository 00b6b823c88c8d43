package classes

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"metaglot/core/preprocess"
	"metaglot/wasm/pad"
)

func circle() Example {
	var s pad.Stroke
	for i := 0; i <= 32; i++ {
		a := float64(i) / 32 * 6.283185
		s = append(s, pad.Point{X: float32(52 + 30*cos(a)), Y: float32(52 + 30*sin(a))})
	}
	return Example{Strokes: []pad.Stroke{s}}
}

func TestListEdits(t *testing.T) {
	var l List
	for i := 0; i < MaxClasses; i++ {
		if _, err := l.Add(l.NextName()); err != nil {
			t.Fatalf("class %d: %v", i+1, err)
		}
	}
	if _, err := l.Add("one too many"); !errors.Is(err, ErrFull) {
		t.Fatalf("21st class: got %v, want ErrFull", err)
	}
	if l.Class(19).Name != "Class 20" {
		t.Fatalf("names: %q", l.Class(19).Name)
	}
	if err := l.Rename(0, "  circle "); err != nil || l.Class(0).Name != "circle" {
		t.Fatalf("rename: %v %q", err, l.Class(0).Name)
	}
	for _, bad := range []string{"", "   ", "Class 2", strings.Repeat("x", MaxNameLen+1)} {
		if err := l.Rename(0, bad); err == nil {
			t.Errorf("rename to %q accepted", bad)
		}
	}
	if err := l.Rename(1, "Class 2"); err != nil {
		t.Errorf("renaming a class to its own name: %v", err)
	}
	if err := l.Delete(1); err != nil || l.Len() != 19 || l.Class(1).Name != "Class 3" {
		t.Fatalf("delete: %v, %d classes", err, l.Len())
	}
	if err := l.Delete(19); !errors.Is(err, ErrNoSuchClass) {
		t.Fatalf("delete out of range: %v", err)
	}
	if n := l.NextName(); n != "Class 1" {
		t.Errorf("NextName = %q, want Class 1 (renamed to circle, so free)", n)
	}
}

func TestExamples(t *testing.T) {
	var l List
	i, _ := l.Add("circle")
	for k := 0; k < MaxExamples; k++ {
		if err := l.AddExample(i, circle()); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.AddExample(i, circle()); !errors.Is(err, ErrClassFull) {
		t.Fatalf("21st example: %v", err)
	}
	if err := l.AddExample(i, Example{}); err == nil {
		t.Fatal("empty example accepted")
	}
	if err := l.DeleteExample(i, 3); err != nil || len(l.Class(i).Examples) != MaxExamples-1 {
		t.Fatalf("delete example: %v", err)
	}
	if err := l.DeleteExample(i, 99); err == nil {
		t.Fatal("deleting a missing example succeeded")
	}
	// AddExample copies: changing the caller's strokes changes nothing.
	e := circle()
	_ = l.AddExample(i, e)
	e.Strokes[0][0].X = -1
	if got := l.Class(i).Examples[MaxExamples-1].Strokes[0][0].X; got == -1 {
		t.Fatal("AddExample kept the caller's strokes")
	}
	if l.Examples() != MaxExamples {
		t.Fatalf("Examples() = %d", l.Examples())
	}
}

func TestImage28(t *testing.T) {
	dst := make([]float32, preprocess.Size*preprocess.Size)
	circle().Image28(pad.DefaultPen(), dst)
	var ink float32
	for _, v := range dst {
		ink += v
	}
	// A ring of radius 30/105·28 ≈ 8 px, about 1.3 px wide: ≈ 66 px of ink.
	if ink < 40 || ink > 100 {
		t.Errorf("circle at 28×28 has ink mass %.1f, want about 66", ink)
	}
	if dst[14*28+14] > 0.1 {
		t.Errorf("centre of the circle inked: %v", dst[14*28+14])
	}
	img := make([]float32, 28*28)
	img[5] = 1
	Example{Image: img}.Image28(pad.DefaultPen(), dst)
	if dst[5] != 1 || dst[6] != 0 {
		t.Error("image example not copied")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	var l List
	a, _ := l.Add("circle")
	_ = l.AddExample(a, circle())
	b, _ := l.Add("real")
	img := make([]float32, 28*28)
	img[100] = 1
	_ = l.AddExample(b, Example{Image: img})
	_, _ = l.Add("empty")
	m, err := Decode(l.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 3 || m.Class(2).Name != "empty" || len(m.Class(2).Examples) != 0 {
		t.Fatalf("decoded %d classes", m.Len())
	}
	got, want := m.Class(0).Examples[0].Strokes[0], l.Class(0).Examples[0].Strokes[0]
	for k := range want {
		if dx := got[k].X - want[k].X; dx > 0.006 || dx < -0.006 {
			t.Fatalf("point %d: %v, want %v", k, got[k], want[k])
		}
	}
	if m.Class(1).Examples[0].Image[100] != 1 || m.Class(1).Examples[0].Image[101] != 0 {
		t.Fatal("image not round-tripped")
	}
}

func TestDecodeRejects(t *testing.T) {
	head := `{"format":"metaglot-classes","version":1,"classes":`
	many := make([]string, MaxClasses+1)
	for i := range many {
		many[i] = fmt.Sprintf(`{"name":"c%d"}`, i)
	}
	cases := map[string]string{
		"not json":       `{"format":`,
		"foreign":        `{"name":"something else","items":[1,2]}`,
		"array":          `[1,2,3]`,
		"version":        `{"format":"metaglot-classes","version":7,"classes":[]}`,
		"too many":       head + "[" + strings.Join(many, ",") + "]}",
		"dup name":       head + `[{"name":"a"},{"name":"a"}]}`,
		"empty name":     head + `[{"name":""}]}`,
		"neither":        head + `[{"name":"a","examples":[{}]}]}`,
		"both":           head + `[{"name":"a","examples":[{"strokes":[[[1,2]]],"image28":"AA=="}]}]}`,
		"far point":      head + `[{"name":"a","examples":[{"strokes":[[[1,2],[1e9,3]]]}]}]}`,
		"empty stroke":   head + `[{"name":"a","examples":[{"strokes":[[]]}]}]}`,
		"bad base64":     head + `[{"name":"a","examples":[{"image28":"!!"}]}]}`,
		"short image":    head + `[{"name":"a","examples":[{"image28":"AAAA"}]}]}`,
		"point not pair": head + `[{"name":"a","examples":[{"strokes":[[[1,2,3]]]}]}]}`,
	}
	for name, doc := range cases {
		if _, err := Decode([]byte(doc)); err == nil {
			t.Errorf("%s: accepted %s", name, doc)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestDrawingAtLimitsRoundTrips: the largest drawing the pad takes is one
// a classes document reads back, so nothing drawn is lost on reload.
func TestDrawingAtLimitsRoundTrips(t *testing.T) {
	var d pad.Drawing
	d.Begin(pad.Point{X: 1, Y: 1})
	for i := range pad.MaxPoints + 10 {
		d.Extend(pad.Point{X: float32(i%50) + 1, Y: float32((i/50)%60) + 1})
	}
	d.End()
	for range pad.MaxStrokes + 10 {
		d.Begin(pad.Point{X: 2, Y: 2})
		d.Extend(pad.Point{X: 30, Y: 40})
		d.End()
	}
	l := &List{}
	i, err := l.Add("full")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.AddExample(i, Example{Strokes: d.Strokes()}); err != nil {
		t.Fatal(err)
	}
	back, err := Decode(l.Encode())
	if err != nil {
		t.Fatalf("the pad's largest drawing does not read back: %v", err)
	}
	if got := len(back.Class(0).Examples[0].Strokes); got != pad.MaxStrokes {
		t.Errorf("%d strokes read back, want %d", got, pad.MaxStrokes)
	}
}
