package trainview

import (
	"image"
	"image/color"
	"math"
	"strings"
	"testing"

	"metaglot/wasm/trainer/protocol"
)

func TestSmoothing(t *testing.T) {
	var h History
	// A constant series: bias correction makes the smoothed curve that
	// constant from the first step on.
	for i := 1; i <= 5; i++ {
		h.Add(protocol.Step{Episode: i, Loss: 2, Acc: 0.5})
		p, _ := h.Last()
		if math.Abs(p.SmoothLoss-2) > 1e-12 || math.Abs(p.SmoothAc-0.5) > 1e-12 {
			t.Fatalf("step %d: smoothed %v, %v; want 2, 0.5", i, p.SmoothLoss, p.SmoothAc)
		}
	}
	// A step change: the smoothed value moves towards it by Alpha of the
	// remaining distance each step.
	h.Reset()
	h.Add(protocol.Step{Episode: 1, Loss: 1})
	h.Add(protocol.Step{Episode: 2, Loss: 0})
	p, _ := h.Last()
	// ema = 0.9·0.1·1 = 0.09, corrected by 1 − 0.81 = 0.19.
	if want := 0.09 / 0.19; math.Abs(p.SmoothLoss-want) > 1e-12 {
		t.Errorf("smoothed after 1, 0: %v, want %v", p.SmoothLoss, want)
	}
	h.Add(protocol.Step{Episode: 3, Loss: math.NaN()})
	if h.Steps() != 2 {
		t.Errorf("a NaN step was recorded")
	}
}

func TestHistoryStaysBounded(t *testing.T) {
	var h History
	n := 3*MaxPoints + 17
	for i := 1; i <= n; i++ {
		h.Add(protocol.Step{Episode: i, Loss: float64(i % 2), Acc: 0.25})
	}
	if len(h.Points) >= MaxPoints || len(h.Points) < MaxPoints/4 {
		t.Errorf("%d points after %d steps, want between %d and %d", len(h.Points), n, MaxPoints/4, MaxPoints)
	}
	last, _ := h.Last()
	if last.Episode != n || h.Steps() != n {
		t.Errorf("last point at episode %d of %d steps, want %d", last.Episode, h.Steps(), n)
	}
	// Merged points are means: the alternating 0, 1 losses average ½.
	for i, p := range h.Points[:len(h.Points)-1] {
		if math.Abs(p.Loss-0.5) > 1e-9 || p.Acc != 0.25 {
			t.Fatalf("point %d: loss %v acc %v, want 0.5 and 0.25", i, p.Loss, p.Acc)
		}
	}
	for i := 1; i < len(h.Points); i++ {
		if h.Points[i].Episode <= h.Points[i-1].Episode {
			t.Fatalf("episodes not increasing at point %d", i)
		}
	}
}

func TestViewApply(t *testing.T) {
	var v View
	v.Apply(protocol.Event{Type: protocol.EvLoading, Msg: "Loading 1 of 50"})
	if v.Ready || v.Status() != "Loading 1 of 50" {
		t.Errorf("loading: ready %v, status %q", v.Ready, v.Status())
	}
	v.Apply(protocol.Event{Type: protocol.EvReady, Limits: &protocol.Limits{TrainClasses: 4800, TestClasses: 1692}})
	if !v.Ready || v.State != protocol.Idle || v.Limits.TrainClasses != 4800 {
		t.Errorf("ready: %+v", v)
	}
	v.Apply(protocol.Event{Type: protocol.EvInvalid, Field: "way", Msg: "N = 9000, but…"})
	if v.Field != "way" || !strings.Contains(v.Message, "N = 9000") {
		t.Errorf("invalid: field %q message %q", v.Field, v.Message)
	}
	v.Apply(protocol.Event{Type: protocol.EvState, State: protocol.Running, Algo: "protonet", Total: 10})
	if v.Field != "" || !v.Busy() || v.Message != "Training ProtoNet." {
		t.Errorf("running: field %q busy %v message %q", v.Field, v.Busy(), v.Message)
	}
	v.Apply(protocol.Event{Type: protocol.EvProgress, Steps: []protocol.Step{{Episode: 1, Loss: 1.5, Acc: 0.4}, {Episode: 2, Loss: 1.2, Acc: 0.6}}, Episodes: 2, Total: 10, HeapBytes: 7})
	v.Apply(protocol.Event{Type: protocol.EvEval, Eval: &protocol.Eval{Episode: 2, Acc: 0.55, CI95: 0.05}})
	if v.Episodes != 2 || v.Last.Loss != 1.2 || v.HeapBytes != 7 || len(v.History.Evals) != 1 || !v.HaveWeights {
		t.Errorf("progress: %+v", v)
	}
	if s := v.Status(); !strings.Contains(s, "episode 2 of 10") || !strings.Contains(s, "loss 1.200") || !strings.Contains(s, "held-out 55.0% ± 5.0") {
		t.Errorf("status %q", s)
	}
	if b := v.Apply(protocol.Event{Type: protocol.EvWeights, Data: []byte{1, 2}}); len(b) != 2 {
		t.Errorf("weights event gave %v", b)
	}
	v.Apply(protocol.Event{Type: protocol.EvState, State: protocol.Diverged, Algo: "protonet", Episodes: 2, Msg: "loss is NaN"})
	if v.Busy() || !strings.Contains(v.Message, "diverged") || !strings.Contains(v.Message, "loss is NaN") {
		t.Errorf("diverged: %q", v.Message)
	}
	// A new run starts a new history.
	if v.History.Adapts {
		t.Error("a ProtoNet run marked as adapting")
	}
	v.Apply(protocol.Event{Type: protocol.EvState, State: protocol.Running, Algo: "fomaml", Total: 5})
	if v.History.Steps() != 0 || len(v.History.Evals) != 0 || !v.History.Adapts {
		t.Errorf("new run kept %d steps, adapts %v", v.History.Steps(), v.History.Adapts)
	}
	v.Apply(protocol.Event{Type: protocol.EvProgress, Steps: []protocol.Step{{Episode: 1, Loss: 1.5, Acc: 0.4}}, Episodes: 1, Total: 5})
	v.Apply(protocol.Event{Type: protocol.EvEval, Eval: &protocol.Eval{Episode: 1, Acc: 0.55, CI95: 0.05, Before: 0.21}})
	if s := v.Status(); !strings.Contains(s, "held-out 55.0% ± 5.0 (before adaptation 21.0%)") {
		t.Errorf("status %q", s)
	}
}

func count(img *image.RGBA, col color.RGBA) int {
	n := 0
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
			if img.RGBAAt(x, y) == col {
				n++
			}
		}
	}
	return n
}

func TestDrawChart(t *testing.T) {
	var h History
	for i := 1; i <= 50; i++ {
		h.Add(protocol.Step{Episode: i, Loss: 2 / float64(i), Acc: 1 - 1/float64(i)})
	}
	h.Evals = []protocol.Eval{{Episode: 25, Acc: 0.7}, {Episode: 50, Acc: 0.8}}
	img := image.NewRGBA(image.Rect(0, 0, 300, 150))
	DrawChart(img, &h, LossChart, 1, 0)
	if count(img, lossLine) < 100 || count(img, rawLoss) == 0 || count(img, heldOut) != 0 {
		t.Errorf("loss chart: %d smoothed, %d raw, %d held-out pixels", count(img, lossLine), count(img, rawLoss), count(img, heldOut))
	}
	// The smoothed loss falls: its pixels near the left are higher up
	// (smaller y) than near the right.
	top := func(x int) int {
		for y := 0; y < 150; y++ {
			if img.RGBAAt(x, y) == lossLine {
				return y
			}
		}
		return -1
	}
	if l, r := top(60), top(280); l < 0 || r < 0 || l >= r {
		t.Errorf("smoothed loss at x=60 has y %d, at x=280 y %d: want a falling curve", l, r)
	}
	DrawChart(img, &h, AccuracyChart, 1, 0)
	if count(img, accLine) < 100 || count(img, heldOut) < 20 {
		t.Errorf("accuracy chart: %d smoothed, %d held-out pixels", count(img, accLine), count(img, heldOut))
	}
	if n := count(img, heldOutBefore); n != 0 {
		t.Errorf("a learner that does not adapt: %d pixels of the before-adaptation line", n)
	}
	// Empty history and tiny images do not panic.
	DrawChart(image.NewRGBA(image.Rect(0, 0, 5, 5)), &History{}, LossChart, 2, 0)
	DrawChart(img, &History{}, AccuracyChart, 1, 0)
}

// TestDrawChartBefore: for a learner that adapts, the accuracy chart
// draws the held-out accuracy before adaptation as a second line, below
// the adapted one where it is lower, and a legend names both.
func TestDrawChartBefore(t *testing.T) {
	h := History{Adapts: true}
	for i := 1; i <= 50; i++ {
		h.Add(protocol.Step{Episode: i, Loss: 1, Acc: 0.5})
	}
	h.Evals = []protocol.Eval{{Episode: 10, Acc: 0.6, Before: 0.2}, {Episode: 30, Acc: 0.8, Before: 0.2}, {Episode: 50, Acc: 0.9, Before: 0.25}}
	img := image.NewRGBA(image.Rect(0, 0, 400, 200))
	DrawChart(img, &h, AccuracyChart, 1, 0)
	if a, b := count(img, heldOut), count(img, heldOutBefore); a < 100 || b < 100 {
		t.Fatalf("%d pixels of the adapted line, %d of the before line", a, b)
	}
	// At the last evaluation's x, the before line is below the adapted one.
	col := func(x int, c color.RGBA) int {
		for y := range 200 {
			if img.RGBAAt(x, y) == c {
				return y
			}
		}
		return -1
	}
	x := 400 - 8 - 3 // near the right edge of the plot
	if a, b := col(x, heldOut), col(x, heldOutBefore); a < 0 || b < 0 || b <= a {
		t.Errorf("at x=%d the adapted line is at y %d, the before line at y %d: want it below", x, a, b)
	}
	// The legend: a short line of each colour and ink text in the top
	// left corner of the plot.
	legend := img.SubImage(image.Rect(42, 8, 200, 45)).(*image.RGBA)
	if count(legend, heldOut) == 0 || count(legend, heldOutBefore) == 0 || count(legend, ink) < 50 {
		t.Errorf("legend: %d, %d line pixels, %d text pixels", count(legend, heldOut), count(legend, heldOutBefore), count(legend, ink))
	}
}

func snapshot() *protocol.Snapshot {
	s := &protocol.Snapshot{Way: 3, Shot: 2, Query: 2, Support: make([]byte, 6*784), Queries: make([]byte, 6*784), Pred: []int{0, 0, 1, 2, 2, 2}}
	for i := range s.Support {
		if i%784 == 400 {
			s.Support[i] = 255
		}
	}
	for k := range 3 {
		s.Points = append(s.Points, protocol.Point{X: float32(k), Y: 0, Kind: protocol.PrototypePoint, Class: k})
		s.Points = append(s.Points, protocol.Point{X: float32(k), Y: 1, Kind: protocol.SupportPoint, Class: k})
	}
	s.Points = append(s.Points, protocol.Point{X: 1, Y: -1, Kind: protocol.UserPoint, Class: 0})
	return s
}

func TestDrawEpisode(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 240, 120))
	DrawEpisode(img, snapshot(), 1)
	// Only query 1 of class 1 is wrong: 5 right frames and 1 wrong one,
	// each a frame of equal size.
	r, w := count(img, right), count(img, wrong)
	if r == 0 || w == 0 || r != 5*w {
		t.Errorf("%d right-frame and %d wrong-frame pixels, want five times as many right", r, w)
	}
	if count(img, ink) == 0 {
		t.Error("no ink drawn")
	}
	DrawEpisode(img, nil, 1)
	if count(img, paper) != 240*120 {
		t.Error("no snapshot: want blank paper")
	}
}

func TestDrawEmbedding(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 200, 200))
	DrawEmbedding(img, snapshot(), 1, 0)
	for k := range 3 {
		if count(img, ClassColor(k)) == 0 {
			t.Errorf("class %d not drawn", k)
		}
	}
	if count(img, UserColor(0)) == 0 || count(img, ink) == 0 {
		t.Error("user drawing or prototype rings not drawn")
	}
}

// TestEpisodeNumbersReadable: with rows tall enough (a projector-sized
// episode view), each class number in its swatch is at least 18 pixels
// high at device scale 1, not the 7×13 font's 9-pixel digits.
func TestEpisodeNumbersReadable(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 600, 300))
	s := snapshot()
	DrawEpisode(img, s, 1)
	cell := 300 / s.Way
	for k := range s.Way {
		top, bottom := -1, -1
		for y := k * cell; y < (k+1)*cell; y++ {
			for x := 0; x < 40; x++ {
				if img.RGBAAt(x, y) == paper && img.RGBAAt(x+1, y) != paper && x > 2 {
					if top < 0 {
						top = y
					}
					bottom = y
				}
			}
		}
		if top < 0 || bottom-top+1 < 18 {
			t.Errorf("class %d: number %d pixels high (rows %d–%d), want ≥ 18", k, bottom-top+1, top, bottom)
		}
	}
}

// TestTextFactor: the charts' text doubles for a room — a 1920-pixel
// projector window or Large-text mode — on top of the device scale.
func TestTextFactor(t *testing.T) {
	for _, tc := range []struct {
		scale, width float64
		large        bool
		want         int
	}{
		{1, 1280, false, 1}, {1, 1920, false, 2}, {1, 1280, true, 2}, {1, 390, true, 2},
		{2, 1280, false, 2}, {2, 1920, true, 4}, {3, 390, false, 3}, {0, 800, false, 1},
	} {
		if got := TextFactor(tc.scale, tc.width, tc.large); got != tc.want {
			t.Errorf("TextFactor(%v, %v, %v) = %d, want %d", tc.scale, tc.width, tc.large, got, tc.want)
		}
	}
}

// runs returns the heights of the runs of rows of img's rectangle r that
// hold a pixel of colour col.
func runs(img *image.RGBA, r image.Rectangle, col color.RGBA) []int {
	var out []int
	n := 0
	for y := r.Min.Y; y <= r.Max.Y; y++ {
		has := false
		for x := r.Min.X; x < r.Max.X && y < r.Max.Y; x++ {
			has = has || img.RGBAAt(x, y) == col
		}
		if has {
			n++
		} else if n > 0 {
			out = append(out, n)
			n = 0
		}
	}
	return out
}

// TestChartTextForARoom: at a projector's size (a chart 940×390 CSS
// pixels at device scale 1, TextFactor 2) the axes' numbers and the
// legend are written at twice the 7×13 font: digits at least 18 pixels
// high, not the font's 9, and the five numbers of the y axis stay apart.
func TestChartTextForARoom(t *testing.T) {
	h := History{Adapts: true}
	for i := 1; i <= 50; i++ {
		h.Add(protocol.Step{Episode: i, Loss: 1, Acc: 0.5})
	}
	h.Evals = []protocol.Eval{{Episode: 10, Acc: 0.6, Before: 0.2}, {Episode: 50, Acc: 0.9, Before: 0.25}}
	for _, f := range []int{1, 2} {
		img := image.NewRGBA(image.Rect(0, 0, 940, 390))
		DrawChart(img, &h, AccuracyChart, 1, f)
		// The first character of each y label ("0%", "25%" … "100%").
		ys := runs(img, image.Rect(0, 0, 2+7*f, 390), muted)
		if len(ys) != 5 {
			t.Fatalf("text ×%d: %d y-axis labels (%v), want 5", f, len(ys), ys)
		}
		for _, n := range ys {
			if n < 9*f {
				t.Errorf("text ×%d: a y-axis label %d pixels high, want ≥ %d", f, n, 9*f)
			}
		}
		// The x axis's "0" and "episode 50" under the plot.
		if xs := runs(img, image.Rect(0, 390-13*f-5, 940, 390), muted); len(xs) == 0 || xs[0] < 9*f {
			t.Errorf("text ×%d: x-axis labels %v pixels high, want ≥ %d", f, xs, 9*f)
		}
		// The legend's ink text, two lines in the plot's top left corner.
		if ls := runs(img, image.Rect(50, 0, 400, 120), ink); len(ls) < 2 || ls[0] < 9*f || ls[1] < 9*f {
			t.Errorf("text ×%d: legend lines %v pixels high, want two ≥ %d", f, ls, 9*f)
		}
	}
}
