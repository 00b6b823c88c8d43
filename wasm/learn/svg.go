package learn

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"image"
	"image/png"
	"math"
	"strconv"
	"strings"

	"metaglot/wasm/app"
	"metaglot/wasm/trainview"
)

// The pictures of the Learn view are HTML and SVG text: they scale
// crisply on a projector and follow the page's font size. Every name the
// visitor typed goes through html.EscapeString.

// esc escapes text for HTML and SVG.
func esc(s string) string { return html.EscapeString(s) }

// colour returns class k's colour (the Train view's palette) as #rrggbb.
func colour(k int) string {
	if k < 0 {
		return "#1a1a2e"
	}
	c := trainview.ClassColor(k)
	return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
}

// ImageURL encodes a 28×28 image (ink in [0, 1]) as a PNG data URL, ink
// dark on white.
func ImageURL(img []float32) string {
	side := int(math.Sqrt(float64(len(img))))
	g := image.NewGray(image.Rect(0, 0, side, side))
	for i, v := range img[:side*side] {
		g.Pix[i] = uint8(255 - math.Round(float64(min(max(v, 0), 1))*255))
	}
	var b bytes.Buffer
	if err := png.Encode(&b, g); err != nil {
		return ""
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
}

func thumb(img []float32, alt, cls string) string {
	return fmt.Sprintf(`<img class="lthumb %s" src="%s" alt="%s" width="28" height="28">`, cls, ImageURL(img), esc(alt))
}

// TaskHTML lays out a task: one row per class (its colour, name and K
// support images), then the queries, each under its true class's colour
// or "?" for the visitor's own.
func TaskHTML(t Task) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="episode" data-way="%d" data-shot="%d">`, t.Way, t.Shot)
	fmt.Fprintf(&b, `<p class="episode-title"><b>Support set</b>: %d classes × %d labelled %s</p><ol class="support-rows">`, t.Way, t.Shot, plural(t.Shot, "example"))
	for c, ex := range t.Support {
		fmt.Fprintf(&b, `<li class="support-row"><span class="swatch" style="background:%s"></span><span class="cname">%s</span>`, colour(c), esc(t.Names[c]))
		for j, img := range ex {
			b.WriteString(thumb(img, fmt.Sprintf("%s, example %d", t.Names[c], j+1), "support"))
		}
		b.WriteString(`</li>`)
	}
	b.WriteString(`</ol>`)
	fmt.Fprintf(&b, `<p class="episode-title"><b>Query set</b>: %d %s to label</p><div class="query-row">`, len(t.Queries), plural(len(t.Queries), "image"))
	for i, img := range t.Queries {
		l := t.QueryLabels[i]
		name, mark := "your query (class unknown)", "?"
		if l >= 0 {
			name, mark = "a further example of "+t.Names[l], fmt.Sprint(l+1)
		}
		fmt.Fprintf(&b, `<figure class="q"><span class="qmark" style="border-color:%s">%s</span>%s</figure>`, colour(l), mark, thumb(img, name, "query"))
	}
	b.WriteString(`</div></div>`)
	return b.String()
}

// AccuracyHTML charts the headline accuracy of each bundled model on
// way×shot Omniglot test episodes as bars with their 95% confidence
// interval, or says which sizes were measured when that one was not.
func AccuracyHTML(table []Eval, way, shot int) string {
	rows, ok := Headline(table, way, shot)
	if !ok {
		var sizes []string
		for _, s := range Sizes(table) {
			sizes = append(sizes, fmt.Sprintf("%d-way %d-shot", s[0], s[1]))
		}
		return fmt.Sprintf(`<p class="acc-none">No bundled model was evaluated on %d-way %d-shot Omniglot episodes; the evaluation table (bench/eval-*.jsonl) has %s.</p>`,
			way, shot, strings.Join(sizes, ", "))
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<p class="note">Accuracy on %d-way %d-shot episodes of the 423 held-out Omniglot characters (bench/eval-*.jsonl; bar: mean, whisker: 95%% confidence interval):</p>`, way, shot)
	fmt.Fprintf(&b, `<ul class="acc" data-way="%d" data-shot="%d">`, way, shot)
	for _, e := range rows {
		extra := ""
		if e.Extra != "" {
			extra = ` <span class="note">(` + esc(e.Extra) + `)</span>`
		}
		protocol := ""
		if t, ok := Transductive(table, e); ok {
			protocol = fmt.Sprintf(`<span class="note acc-protocol">one drawing at a time, as this page classifies; %.1f %% ± %.1f with the drawings of an episode normalised together (transductive BatchNorm, as Finn et al. report)</span>`, t.Accuracy, t.CI95)
		}
		fmt.Fprintf(&b, `<li class="acc-row" data-algo="%s" data-acc="%.2f"><span class="acc-name">%s%s</span>`, esc(e.Algo), e.Accuracy, esc(app.AlgorithmLabel(e.Algo)), extra)
		lo, hi := max(e.Accuracy-e.CI95, 0), min(e.Accuracy+e.CI95, 100)
		fmt.Fprintf(&b, `<svg class="acc-bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="%.1f%%"><rect width="100" height="10" fill="#e3e0d6"/><rect width="%.2f" height="10" fill="#1f7a4d"/><rect x="%.2f" y="3.5" width="%.2f" height="3" fill="#1a1a2e"/></svg>`,
			e.Accuracy, e.Accuracy, lo, max(hi-lo, 0.4))
		fmt.Fprintf(&b, `<span class="acc-pct">%.1f %% ± %.1f</span><span class="note">%d episodes</span>%s</li>`, e.Accuracy, e.CI95, e.Episodes, protocol)
	}
	b.WriteString(`</ul>`)
	return b.String()
}

// BarsHTML shows probabilities as the page's bars (the Draw & classify
// view's classes): one row per class, the winner in green.
func BarsHTML(names []string, probs []float64, best int) string {
	var b strings.Builder
	b.WriteString(`<ol class="lbars">`)
	for c, p := range probs {
		cls := "bar-row"
		if c == best {
			cls += " best"
		}
		pct := "—"
		w := 0.0
		if !math.IsNaN(p) {
			pct, w = fmt.Sprintf("%.1f %%", 100*p), 100*p
		}
		fmt.Fprintf(&b, `<li class="%s" data-p="%.4f"><span class="bar-name"><span class="swatch" style="background:%s"></span>%s</span><span class="bar"><span class="fill" style="width:%.1f%%"></span></span><span class="bar-pct">%s</span></li>`,
			cls, p, colour(c), esc(names[c]), w, pct)
	}
	b.WriteString(`</ol>`)
	return b.String()
}

// Display is how the metric picture is shown: Px is its width in CSS
// pixels (0 when not known: its own 480 units), Large the page's
// Large-text mode, where its labels are LargeText times as large.
type Display struct {
	Px    float64
	Large bool
}

// LargeText is how much larger Large-text mode makes the metric
// picture's labels: as the lesson's text (21 px for 15).
const LargeText = 1.4

// MetricSVG draws ProtoNet's view of a query: support embeddings as small
// dots, prototypes as large ringed dots labelled with their class, the
// query as a ring, and a line from the query to each prototype labelled
// with the squared distance (thick for the nearest). Shown as d says, its
// labels are at least MinLabelPx CSS pixels high (LargeText times that in
// Large-text mode), and placed so that none overlaps another
// (PlaceLabels), the prototypes' first, the nearest class's before the
// others.
func MetricSVG(v MetricView, names []string, d Display) string {
	const W, H, m = 480.0, 360.0, 36.0
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, p := range v.Points {
		minX, maxX = min(minX, p.X), max(maxX, p.X)
		minY, maxY = min(minY, p.Y), max(maxY, p.Y)
	}
	span := max(maxX-minX, maxY-minY, 1e-9)
	k := min(W-2*m, H-2*m) / span
	at := func(p Point) (float64, float64) {
		return W/2 + (p.X-(minX+maxX)/2)*k, H/2 - (p.Y-(minY+maxY)/2)*k
	}
	// Font sizes in picture units: 14 and 12 at 480 CSS pixels wide, and
	// never under MinLabelPx where the picture is shown smaller; times
	// LargeText in Large-text mode.
	unit := 1.0 // CSS pixels per picture unit
	if d.Px > 0 {
		unit = d.Px / W
	}
	f := 1.0
	if d.Large {
		f = LargeText
	}
	// (Rounded up to the tenth the picture writes.)
	big, small := math.Ceil(10*f*max(14, MinLabelPx/unit))/10, math.Ceil(10*f*max(12, MinLabelPx/unit))/10
	// A class's label takes at most about 190 units, two fifths of
	// the width: 18 characters at 14 units, 15 at a phone's 17.
	most := min(18, int(190/(0.72*big)))

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="metric" viewBox="0 0 %g %g" role="img" aria-label="The query's embedding and the class prototypes on two principal components, with the distances">`, W, H)
	fmt.Fprintf(&b, `<rect width="%g" height="%g" fill="#fff" stroke="#c9c6bd"/>`, W, H)
	var qx, qy float64
	for _, p := range v.Points {
		if p.Kind == QueryPoint {
			qx, qy = at(p)
		}
	}
	// The labels, in the order they choose their places, and the marks
	// they should not cover.
	type owner struct {
		what  string // "proto", "query" or "dist"
		class int
	}
	var labels []Label
	var owners []owner
	var marks []Box
	mark := func(x, y, r float64) { marks = append(marks, Box{x - r, y - r, x + r, y + r}) }
	protos := map[int][2]float64{}
	for _, p := range v.Points {
		x, y := at(p)
		switch p.Kind {
		case PrototypePoint:
			protos[p.Class] = [2]float64{x, y}
			mark(x, y, 10)
		case SupportPoint:
			mark(x, y, 4.5)
		case QueryPoint:
			mark(x, y, 9.5)
		}
	}
	classes := make([]int, 0, len(protos))
	if _, ok := protos[v.Best]; ok {
		classes = append(classes, v.Best)
	}
	for c := range len(v.Dist2) {
		if _, ok := protos[c]; ok && c != v.Best {
			classes = append(classes, c)
		}
	}
	for _, c := range classes {
		// Right of its dot, or left of it in the picture's right part,
		// where it would run out of the picture.
		x, y := protos[c][0], protos[c][1]
		prefer := Start
		if x > W/2 {
			prefer = End
		}
		labels = append(labels, Label{Text: shortTo(names[c], most), Size: big, Bold: true, Spots: around(x, y, 10, big, prefer)})
		owners = append(owners, owner{"proto", c})
	}
	qs := around(qx, qy, 9.5, big, Start)
	// The query's label prefers its top right corner.
	qs = append([]Spot{qs[4]}, append(qs[:4:4], qs[5:]...)...)
	labels = append(labels, Label{Text: "query", Size: big, Bold: true, Spots: qs})
	owners = append(owners, owner{"query", -1})
	for _, c := range classes {
		labels = append(labels, Label{Text: "d²=" + fmt.Sprintf("%.3g", v.Dist2[c]), Size: small, Spots: along(qx, qy, protos[c][0], protos[c][1], small)})
		owners = append(owners, owner{"dist", c})
	}
	spots := PlaceLabels(labels, marks, Box{2, 2, W - 2, H - 2})

	for _, c := range classes {
		x, y := protos[c][0], protos[c][1]
		w := 1.5
		if c == v.Best {
			w = 4
		}
		fmt.Fprintf(&b, `<line class="dist" data-class="%d" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%g" stroke-dasharray="%s"/>`,
			c, qx, qy, x, y, colour(c), w, map[bool]string{true: "", false: "5 4"}[c == v.Best])
	}
	// Prototypes under the support dots, so that a 1-shot support dot (at
	// its prototype) stays visible.
	for _, kind := range []Kind{PrototypePoint, SupportPoint, QueryPoint} {
		for _, p := range v.Points {
			if p.Kind != kind {
				continue
			}
			x, y := at(p)
			switch kind {
			case SupportPoint:
				fmt.Fprintf(&b, `<circle class="sup" cx="%.1f" cy="%.1f" r="4" fill="%s" stroke="#1a1a2e" stroke-width="1"/>`, x, y, colour(p.Class))
			case PrototypePoint:
				fmt.Fprintf(&b, `<circle class="proto" data-class="%d" cx="%.1f" cy="%.1f" r="9" fill="%s" fill-opacity=".55" stroke="#1a1a2e" stroke-width="2"/>`, p.Class, x, y, colour(p.Class))
			case QueryPoint:
				fmt.Fprintf(&b, `<circle class="qpt" cx="%.1f" cy="%.1f" r="8" fill="#fff" stroke="#1a1a2e" stroke-width="3"/>`, x, y)
			}
		}
	}
	// Labels last, over every mark, each with a white halo.
	for i, l := range labels {
		s := l.Spots[spots[i]]
		o := owners[i]
		switch o.what {
		case "proto":
			fmt.Fprintf(&b, `<text class="proto-label" data-class="%d" x="%.1f" y="%.1f" font-size="%g" font-weight="600" fill="#1a1a2e" stroke="#fff" stroke-width="3" paint-order="stroke" text-anchor="%s">%s</text>`, o.class, s.X, s.Y, l.Size, s.Anchor, esc(l.Text))
		case "query":
			fmt.Fprintf(&b, `<text class="query-label" x="%.1f" y="%.1f" font-size="%g" font-weight="700" fill="#1a1a2e" stroke="#fff" stroke-width="3" paint-order="stroke" text-anchor="%s">query</text>`, s.X, s.Y, l.Size, s.Anchor)
		default:
			fmt.Fprintf(&b, `<text class="dist-label" data-class="%d" x="%.1f" y="%.1f" font-size="%g" fill="#1a1a2e" stroke="#fff" stroke-width="3" paint-order="stroke" text-anchor="%s">%s</text>`, o.class, s.X, s.Y, l.Size, s.Anchor, esc(l.Text))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// MinLabelPx is the smallest height, in CSS pixels, of the metric
// picture's labels wherever it is shown (a phone shows its 480 units in
// about 330 pixels: 12-unit text would be 8 pixels).
const MinLabelPx = 12

// MetricCaption says what the metric picture's axes are, under it (as
// HTML, so that it wraps at any width).
func MetricCaption(v MetricView) string {
	return fmt.Sprintf(`<p class="note metric-caption">The picture: 2 principal components of the 64-number embeddings, %.0f %% of their variance.</p>`, 100*v.Explained)
}

// short cuts a name for a picture's label to at most 18 characters,
// keeping its last word when that is a number of at most 4 digits:
// Omniglot's names differ only there ("Old Church Slavonic (Cyrillic) 18"
// → "Old Church Sla… 18").
func short(s string) string { return shortTo(s, 18) }

// shortTo is short for at most most characters (at least 8).
func shortTo(s string, most int) string {
	most = max(most, 8)
	r := []rune(s)
	if len(r) <= most {
		return s
	}
	tail := ""
	if i := strings.LastIndexByte(s, ' '); i >= 0 && len(s)-i <= 5 && strings.Trim(s[i+1:], "0123456789") == "" && i+1 < len(s) {
		tail = s[i:]
	}
	keep := most - 1 - len([]rune(tail))
	return strings.TrimRight(string(r[:keep]), " ") + "…" + tail
}

// LossSVG charts the support loss at each inner step (app.LossPoints, the
// Draw & classify view's chart) with the first and last values written.
func LossSVG(losses []float64, total int) string {
	const W, H = 360.0, 120.0
	var b strings.Builder
	ls := make([]string, len(losses))
	for i, l := range losses {
		ls[i] = strconv.FormatFloat(l, 'g', 6, 64)
	}
	fmt.Fprintf(&b, `<svg class="loss" data-losses="%s" viewBox="-60 -12 %g %g" role="img" aria-label="Support loss at each inner step">`, strings.Join(ls, " "), W+80, H+32)
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%g" height="%g" fill="#fff" stroke="#c9c6bd"/>`, W, H)
	if len(losses) > 0 {
		// Points spread over all the steps to come, so the line grows.
		w := W * float64(max(len(losses)-1, 1)) / float64(max(total-1, 1))
		fmt.Fprintf(&b, `<polyline fill="none" stroke="#2456c8" stroke-width="2.5" points="%s"/>`, app.LossPoints(losses, w, H))
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, l := range losses {
			if !math.IsNaN(l) && !math.IsInf(l, 0) {
				lo, hi = min(lo, l), max(hi, l)
			}
		}
		if hi >= lo {
			fmt.Fprintf(&b, `<text x="-4" y="10" font-size="12" text-anchor="end">%.2g</text><text x="-4" y="%g" font-size="12" text-anchor="end">%.2g</text>`, hi, H, lo)
		}
	}
	fmt.Fprintf(&b, `<text x="0" y="%g" font-size="11">step 1</text><text x="%g" y="%g" font-size="11" text-anchor="end">step %d</text>`, H+14, W, H+14, total)
	b.WriteString(`</svg>`)
	return b.String()
}

// MemorySVG draws a MANN's memory after the support sequence: one cell
// per slot in the colour of the class that wrote most into it, its
// opacity the written weight (a slot with less than a tenth of the
// largest write is left blank), and in it a bar of the query's read
// weight, full height at 4 times the uniform read.
func MemorySVG(v MemoryView) string {
	const cols, cell = 32, 14.0
	n := len(v.SlotClass)
	rows := (n + cols - 1) / cols
	var maxW, sumR float32 = 1e-9, 0
	for i := range n {
		maxW, sumR = max(maxW, v.SlotWeight[i]), sumR+v.Read[i]
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="memory" viewBox="0 0 %g %g" role="img" aria-label="Memory slots coloured by the class that wrote to them, with the query's read weights">`, cols*cell, float64(rows)*cell)
	for i := range n {
		x, y := float64(i%cols)*cell, float64(i/cols)*cell
		fill, op, class := "#fff", 1.0, -1
		if v.SlotClass[i] >= 0 && v.SlotWeight[i] >= maxW/10 {
			class = v.SlotClass[i]
			fill, op = colour(class), 0.3+0.7*float64(v.SlotWeight[i]/maxW)
		}
		fmt.Fprintf(&b, `<rect class="slot" data-class="%d" x="%g" y="%g" width="%g" height="%g" fill="%s" fill-opacity="%.2f" stroke="#c9c6bd" stroke-width=".5"/>`, class, x, y, cell-1, cell-1, fill, op)
		if sumR > 0 {
			h := (cell - 3) * min(1, float64(v.Read[i]/sumR)*float64(n)/4)
			fmt.Fprintf(&b, `<rect class="read" x="%g" y="%.1f" width="3" height="%.1f" fill="#1a1a2e"/>`, x+5, y+cell-2-h, h)
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// Written counts the slots MemorySVG colours: those with at least a tenth
// of the largest write.
func (v MemoryView) Written() int {
	var maxW float32
	for _, w := range v.SlotWeight {
		maxW = max(maxW, w)
	}
	n := 0
	for i, c := range v.SlotClass {
		if c >= 0 && maxW > 0 && v.SlotWeight[i] >= maxW/10 {
			n++
		}
	}
	return n
}

// SequenceHTML shows the order a MANN saw the support set in: each image
// with the label it came with (the previous image's class) and its own.
func SequenceHTML(t Task, v MemoryView) string {
	var b strings.Builder
	b.WriteString(`<ol class="sequence">`)
	prev := -1
	for s, p := range v.Order {
		given := "none yet"
		if prev >= 0 {
			given = fmt.Sprint(prev + 1)
		}
		fmt.Fprintf(&b, `<li><span class="qmark" style="border-color:%s">%d</span>%s<span class="note">step %d, told: %s</span></li>`,
			colour(p[0]), p[0]+1, thumb(t.Support[p[0]][p[1]], fmt.Sprintf("step %d: %s", s+1, t.Names[p[0]]), "seq"), s+1, given)
		prev = p[0]
	}
	b.WriteString(`</ol>`)
	return b.String()
}

// CompareHTML is a table of every algorithm's answer for the query: the
// winning class and its probability, the time, or the error.
func CompareHTML(rows []CompareRow, names []string) string {
	var b strings.Builder
	b.WriteString(`<table class="compare"><thead><tr><th>Algorithm</th><th>Answer</th><th>Probability</th><th>Time to answer</th></tr></thead><tbody>`)
	for _, r := range rows {
		fmt.Fprintf(&b, `<tr data-algo="%s">`, esc(r.Algo))
		if r.Err != nil {
			fmt.Fprintf(&b, `<td>%s</td><td colspan="3" class="err">%s</td></tr>`, esc(r.Label), esc(r.Err.Error()))
			continue
		}
		fmt.Fprintf(&b, `<td>%s</td><td><span class="swatch" style="background:%s"></span>%s</td><td>%.1f %%</td><td data-ms="%.2f">%s</td></tr>`,
			esc(r.Label), colour(r.Best), esc(names[r.Best]), 100*r.Probs[r.Best], float64(r.Time.Microseconds())/1000, fmtDuration(r.Time.Seconds()))
	}
	b.WriteString(`</tbody></table>`)
	return b.String()
}

func fmtDuration(s float64) string {
	if s < 1 {
		return fmt.Sprintf("%.0f ms", s*1000)
	}
	return fmt.Sprintf("%.2f s", s)
}
