package learn

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// svgText is one <text> of a picture: its estimated box and its size in
// picture units.
type svgText struct {
	text string
	size float64
	box  Box
}

var (
	textRE = regexp.MustCompile(`<text ([^>]*)>([^<]*)</text>`)
	attrRE = regexp.MustCompile(`([a-z-]+)="([^"]*)"`)
)

// texts reads the <text> elements of svg, estimating each one's box
// with TextBox from its x, y, font-size, font-weight and text-anchor.
func texts(t *testing.T, svg string) []svgText {
	t.Helper()
	var out []svgText
	for _, m := range textRE.FindAllStringSubmatch(svg, -1) {
		a := map[string]string{"text-anchor": "start"}
		for _, kv := range attrRE.FindAllStringSubmatch(m[1], -1) {
			a[kv[1]] = kv[2]
		}
		num := func(k string) float64 {
			v, err := strconv.ParseFloat(a[k], 64)
			if err != nil {
				t.Fatalf("text %q: %s=%q: %v", m[2], k, a[k], err)
			}
			return v
		}
		w, _ := strconv.Atoi(a["font-weight"])
		text := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&#34;", `"`, "&#39;", "'").Replace(m[2])
		size := num("font-size")
		out = append(out, svgText{text, size, TextBox(text, size, w >= 600, Spot{num("x"), num("y"), Anchor(a["text-anchor"])})})
	}
	return out
}

// checkLabels fails when two of svg's texts overlap, one leaves the
// 480×360 picture, or one is smaller than least CSS pixels with the
// picture px wide.
func checkLabels(t *testing.T, what, svg string, px, least float64) {
	t.Helper()
	ts := texts(t, svg)
	for i, a := range ts {
		if a.box.X0 < 0 || a.box.Y0 < 0 || a.box.X1 > 480 || a.box.Y1 > 360 {
			t.Errorf("%s: %q at %+v leaves the picture", what, a.text, a.box)
		}
		if css := a.size * px / 480; css < least {
			t.Errorf("%s: %q is %.1f CSS pixels high, want ≥ %g", what, a.text, css, least)
		}
		for _, b := range ts[i+1:] {
			if o := a.box.Overlap(b.box); o > 0 {
				t.Errorf("%s: %q %+v and %q %+v overlap (%.0f square units)", what, a.text, a.box, b.text, b.box, o)
			}
		}
	}
}

// TestMetricLabelsApart: the picture's labels do not overlap, stay inside
// it and are readable. First the case a teacher met (e2e's drawn task,
// e2e/out/learn-metric.png before): the query next to the nearest
// prototype, whose "query", "circle" and "d²=1.09" labels were written
// over each other, on a projector (640 CSS pixels wide), a laptop (600)
// and a phone (330, where the labels were 8–10 pixels high), each also in
// Large-text mode (labels LargeText times as large); then random 5-way
// 1-shot views with Omniglot's long names.
func TestMetricLabelsApart(t *testing.T) {
	met := MetricView{Best: 0, Dist2: []float64{1.09, 30.9, 23.8}, Explained: 0.95, Points: []Point{
		{Kind: SupportPoint, Class: 0, X: -0.62, Y: -0.05}, {Kind: SupportPoint, Class: 0, X: -0.58, Y: 0.02},
		{Kind: SupportPoint, Class: 1, X: 0.98, Y: -0.25}, {Kind: SupportPoint, Class: 1, X: 1.02, Y: -0.18},
		{Kind: SupportPoint, Class: 2, X: 0.2, Y: 0.98}, {Kind: SupportPoint, Class: 2, X: 0.2, Y: 0.9},
		{Kind: PrototypePoint, Class: 0, X: -0.6, Y: -0.02},
		{Kind: PrototypePoint, Class: 1, X: 1.0, Y: -0.22},
		{Kind: PrototypePoint, Class: 2, X: 0.2, Y: 0.94},
		{Kind: QueryPoint, Class: -1, X: -0.55, Y: 0.03},
	}}
	for _, px := range []float64{640, 600, 330} {
		for _, large := range []bool{false, true} {
			least := map[bool]float64{false: MinLabelPx, true: LargeText * MinLabelPx}[large]
			checkLabels(t, fmt.Sprintf("drawn task at %g px, large text %v", px, large), MetricSVG(met, []string{"circle", "cross", "bar"}, Display{px, large}), px, least)
		}
	}

	rng := rand.New(rand.NewPCG(3, 4))
	names := []string{"Old Church Slavonic (Cyrillic) 09", "Old Church Slavonic (Cyrillic) 11", "Old Church Slavonic (Cyrillic) 13",
		"Old Church Slavonic (Cyrillic) 22", "Old Church Slavonic (Cyrillic) 37"}
	for trial := range 1000 {
		v := MetricView{Explained: 0.5}
		for c := range 5 {
			x, y := rng.NormFloat64(), rng.NormFloat64()
			v.Points = append(v.Points, Point{Kind: SupportPoint, Class: c, X: x, Y: y}, Point{Kind: PrototypePoint, Class: c, X: x, Y: y})
			v.Dist2 = append(v.Dist2, 10+40*rng.Float64())
		}
		// The query near one prototype, as a well-classified one is.
		v.Best = rng.IntN(5)
		p := v.Points[2*v.Best+1]
		v.Points = append(v.Points, Point{Kind: QueryPoint, Class: -1, X: p.X + 0.15*rng.NormFloat64(), Y: p.Y + 0.15*rng.NormFloat64()})
		px, large := []float64{330, 600}[trial%2], trial%4 >= 2
		least := map[bool]float64{false: MinLabelPx, true: LargeText * MinLabelPx}[large]
		checkLabels(t, fmt.Sprintf("random view %d at %g px, large text %v", trial, px, large), MetricSVG(v, names, Display{px, large}), px, least)
	}
}

// TestPlaceLabels: a second label whose first spot would cover the first
// label takes its next free spot; the one that cannot avoid overlap
// takes the spot of least overlap.
func TestPlaceLabels(t *testing.T) {
	frame := Box{0, 0, 200, 100}
	a := Label{Text: "aaaa", Size: 10, Spots: []Spot{{50, 50, Start}}}
	b := Label{Text: "bbbb", Size: 10, Spots: []Spot{{55, 52, Start}, {55, 70, Start}}}
	if got := PlaceLabels([]Label{a, b}, nil, frame); got[0] != 0 || got[1] != 1 {
		t.Errorf("spots %v, want [0 1]", got)
	}
	c := Label{Text: "cccc", Size: 10, Spots: []Spot{{50, 52, Start}, {60, 50, Start}, {190, 50, Start}}}
	if got := PlaceLabels([]Label{a, c}, nil, frame); got[1] != 1 {
		t.Errorf("spots %v: want the least overlap inside the frame (1)", got)
	}
	if got := PlaceLabels([]Label{b}, []Box{{50, 40, 90, 60}}, frame); got[0] != 1 {
		t.Errorf("spots %v: want the one off the mark (1)", got)
	}
}
