package trainer

import (
	"math"
	"testing"

	"metaglot/core/learner"
	"metaglot/core/train"
	"metaglot/wasm/trainer/protocol"
)

func TestSnapshot(t *testing.T) {
	ds := loadData(t)
	for _, algo := range []string{"protonet", "fomaml"} {
		tr := newTrainer(t, ds)
		c := small(algo)
		c.Way, c.Shot, c.Query, c.MetaBatch = 4, 2, 3, 1
		if algo == "fomaml" {
			c.InnerSteps, c.AdaptSteps = 1, 2
		}
		// Two drawings of each of two user classes, set before the run
		// starts (the page sends them when the Train view opens).
		var imgs [][]float32
		for k := range 4 {
			img := make([]float32, 28*28)
			for i := range 28 {
				if k < 2 {
					img[i*28+14] = 1 // a vertical bar
				} else {
					img[14*28+i] = 1 // a horizontal bar
				}
			}
			imgs = append(imgs, img)
		}
		if err := tr.SetUserDrawings(imgs, []int{0, 0, 1, 1}, []string{"bar", "dash"}); err != nil {
			t.Fatal(err)
		}
		if err := tr.Start(c, "", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Snapshot(); err == nil {
			t.Errorf("%s: snapshot before a step: no error", algo)
		}
		if _, _, err := tr.Step(); err != nil {
			t.Fatal(err)
		}
		if err := tr.SetUserDrawings(imgs, []int{0, 0, 1, 2}, []string{"bar", "dash"}); err == nil {
			t.Errorf("%s: a drawing of class 2 of 2 accepted", algo)
		}
		s, err := tr.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		ns, nq := 4*2, 4*3
		if s.Episode != 1 || len(s.Classes) != 4 || len(s.Support) != ns*784 || len(s.Queries) != nq*784 || len(s.Pred) != nq {
			t.Fatalf("%s: snapshot episode %d, %d classes, %d support bytes, %d query bytes, %d predictions", algo, s.Episode, len(s.Classes), len(s.Support), len(s.Queries), len(s.Pred))
		}
		if len(s.Points) != ns+4+nq+4 || len(s.UserClasses) != 2 {
			t.Fatalf("%s: %d points, want %d; user classes %v", algo, len(s.Points), ns+4+nq+4, s.UserClasses)
		}
		kinds := map[protocol.Kind]int{}
		for i, p := range s.Points {
			kinds[p.Kind]++
			if math.IsNaN(float64(p.X)) || math.IsNaN(float64(p.Y)) {
				t.Errorf("%s: point %d is NaN", algo, i)
			}
		}
		if kinds[protocol.SupportPoint] != ns || kinds[protocol.PrototypePoint] != 4 || kinds[protocol.QueryPoint] != nq || kinds[protocol.UserPoint] != 4 {
			t.Errorf("%s: point kinds %v", algo, kinds)
		}
		// A prototype is the mean of its class's support points, and PCA
		// is linear: the projected prototype is the mean of the projected
		// support points.
		for k := range 4 {
			var mx, my float64
			for j := range 2 {
				p := s.Points[k*2+j]
				mx += float64(p.X) / 2
				my += float64(p.Y) / 2
			}
			p := s.Points[ns+k]
			if p.Class != k || math.Abs(mx-float64(p.X)) > 1e-3*(1+math.Abs(mx)) || math.Abs(my-float64(p.Y)) > 1e-3*(1+math.Abs(my)) {
				t.Errorf("%s: prototype %d at (%v, %v), mean of its support (%v, %v)", algo, k, p.X, p.Y, mx, my)
			}
		}
		if !(s.Explained > 0 && s.Explained <= 1+1e-9) {
			t.Errorf("%s: explained variance %v", algo, s.Explained)
		}
		// The predictions are the learner's own.
		cl, err := tr.l.Adapt(train.TaskOf(tr.last))
		if err != nil {
			t.Fatal(err)
		}
		probs, err := cl.Probs(train.TaskOf(tr.last).Query)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range s.Pred {
			if want := learner.Argmax(probs.Data[i*4 : (i+1)*4]); p != want {
				t.Errorf("%s: query %d predicted %d, the classifier says %d", algo, i, p, want)
			}
		}
	}
}
