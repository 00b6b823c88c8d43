package learn

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"metaglot/core/checkpoint"
	"metaglot/core/modelfile"
	"metaglot/core/nn"
	"metaglot/core/omniglot"
	"metaglot/wasm/classify"
)

// TestEvalsUpToDate: the embedded table is what mkevals makes of
// bench/eval-*.jsonl now (run `go run ./wasm/learn/mkevals` after make
// evaltable).
func TestEvalsUpToDate(t *testing.T) {
	names, err := filepath.Glob("../../bench/eval-*.jsonl")
	if err != nil || len(names) == 0 {
		t.Fatalf("no bench/eval-*.jsonl: %v", err)
	}
	files := map[string][]byte{}
	for _, n := range names {
		if files[n], err = os.ReadFile(n); err != nil {
			t.Fatal(err)
		}
	}
	want, err := ConvertEvals(files)
	if err != nil {
		t.Fatal(err)
	}
	if got := Evals(); !reflect.DeepEqual(got, want) {
		t.Fatalf("evals.json is stale (%d rows, bench has %d): run go run ./wasm/learn/mkevals", len(got), len(want))
	}
}

func TestConvertEvals(t *testing.T) {
	good := `{"model":"x","flags":"-model m -protocol one -way 5 -shot 1 -adapt-steps 0","result":{"algo":"fomaml","way":5,"shot":1,"episodes":10,"accuracy":20,"ci95":0.5}}` + "\n\n"
	// A MANN's accuracy by presentation of a class has no N-way K-shot
	// cell to show: it is left out, not an error.
	instances := `{"model":"b","flags":"-protocol instances","result":{"algo":"mann","way":5,"instances":10,"episodes":10,"protocol":"instances","cells":[{"instance":1,"accuracy":27,"ci95":1}]}}` + "\n"
	rows, err := ConvertEvals(map[string][]byte{"bench/eval-b.jsonl": []byte(instances + good)})
	if err != nil {
		t.Fatal(err)
	}
	want := Eval{Model: "b", Algo: "fomaml", Way: 5, Shot: 1, Episodes: 10, Accuracy: 20, CI95: 0.5, Extra: "-adapt-steps 0"}
	if len(rows) != 1 || rows[0] != want {
		t.Fatalf("got %+v, want %+v", rows, want)
	}
	for _, bad := range []string{"{", `{"result":{"algo":"protonet","way":5,"shot":1}}`} {
		_, err := ConvertEvals(map[string][]byte{"bench/eval-a.jsonl": []byte(good + bad)})
		if err == nil || !strings.HasPrefix(err.Error(), "bench/eval-a.jsonl:3:") {
			t.Errorf("%q: error %v, want one naming bench/eval-a.jsonl:3", bad, err)
		}
	}
}

// TestHeadline: the numbers come from the files (bench/eval-protonet.jsonl
// line 1: 5-way 1-shot 98.51 %), one row per bundled model, the plainest
// evaluation of each; a size nobody measured says which were.
func TestHeadline(t *testing.T) {
	table := Evals()
	rows, ok := Headline(table, 5, 1)
	if !ok || len(rows) != 3 {
		t.Fatalf("5-way 1-shot: %v %+v", ok, rows)
	}
	if rows[0].Algo != "protonet" || math.Abs(rows[0].Accuracy-98.51066666666709) > 1e-9 {
		t.Errorf("protonet row %+v", rows[0])
	}
	if rows[2].Algo != "reptile" || rows[2].Extra != "" {
		t.Errorf("reptile row %+v, want the one without -proto-head", rows[2])
	}
	rows, _ = Headline(table, 20, 1)
	for _, r := range rows {
		if r.Model == "reptile" && r.Extra != "-proto-head -inner-lr 0.1 -adapt-steps 5" {
			t.Errorf("reptile 20-way %+v", r)
		}
	}
	if _, ok := Headline(table, 10, 3); ok {
		t.Error("10-way 3-shot has no cell")
	}
	h := AccuracyHTML(table, 10, 3)
	if !strings.Contains(h, "No bundled model was evaluated on 10-way 3-shot") || !strings.Contains(h, "20-way 5-shot") {
		t.Errorf("AccuracyHTML(10, 3) = %s", h)
	}
	if h := AccuracyHTML(table, 5, 1); !strings.Contains(h, `data-algo="protonet" data-acc="98.51"`) {
		t.Errorf("AccuracyHTML(5, 1) lacks ProtoNet's 98.51: %s", h)
	}
}

// TestHeadlineAdaptingProtocols: the headline of the page's FOMAML and
// Reptile is the page's protocol, one drawing at a time (their
// bench/eval-*.jsonl "-protocol one" 5-way 1-shot line), and the table says
// so, with the transductive figure beside it, at 5- and 20-way. (That the
// bundled fomaml and reptile are transductive-BN models: cmd/metaglot
// TestBundledMatchesItsRecipe, app TestBNNote.) The figures are read from
// the bench files, so that a newer snapshot's cells keep the test true.
func TestHeadlineAdaptingProtocols(t *testing.T) {
	table := Evals()
	rows5, _ := Headline(table, 5, 1)
	h := AccuracyHTML(table, 5, 1)
	for _, model := range []string{"fomaml", "reptile"} {
		file := "bench/eval-" + model + ".jsonl"
		data, err := os.ReadFile("../../" + file)
		if err != nil {
			t.Fatal(err)
		}
		var one, trans *Eval
		bench, err := ConvertEvals(map[string][]byte{file: data})
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range bench {
			switch {
			case e.Way == 5 && e.Shot == 1 && e.Extra == "":
				one = &bench[i]
			case e.Way == 5 && e.Shot == 1 && e.Extra == "-protocol transductive":
				trans = &bench[i]
			}
		}
		if one == nil || trans == nil {
			t.Fatalf("%s lacks the 5-way 1-shot cells of both protocols: %+v", file, bench)
		}
		var row *Eval
		for i := range rows5 {
			if rows5[i].Model == model {
				row = &rows5[i]
			}
		}
		if row == nil || row.Accuracy != one.Accuracy || row.Extra != "" {
			t.Fatalf("%s 5-way 1-shot row %+v, want %s's one at a time, %v %%", model, row, file, one.Accuracy)
		}
		tr, ok := Transductive(table, *row)
		if !ok || tr.Accuracy != trans.Accuracy {
			t.Errorf("transductive row of %s 5-way 1-shot: %v %+v, want %v %%", model, ok, tr, trans.Accuracy)
		}
		if want := fmt.Sprintf("one drawing at a time, as this page classifies; %.1f %% ± %.1f with the drawings of an episode normalised together", trans.Accuracy, trans.CI95); !strings.Contains(h, want) {
			t.Errorf("AccuracyHTML(5, 1) does not give %s's protocols (%q): %s", model, want, h)
		}
	}
	rows, _ := Headline(table, 20, 1)
	for _, r := range rows {
		if r.Model != "fomaml" && r.Model != "reptile" {
			if _, ok := Transductive(table, r); ok {
				t.Errorf("%s has no transductive cell, yet Transductive found one", r.Model)
			}
			continue
		}
		if tr, ok := Transductive(table, r); !ok || tr.Extra != "-protocol transductive -proto-head -inner-lr 0.1 -adapt-steps 5" {
			t.Errorf("%s 20-way 1-shot %+v: transductive %v %+v", r.Model, r, ok, tr)
		}
	}
}

func img(rng *rand.Rand) []float32 {
	x := make([]float32, nn.ImageSize*nn.ImageSize)
	for i := range x {
		if rng.Float64() < 0.2 {
			x[i] = 1
		}
	}
	return x
}

func source(rng *rand.Rand, counts ...int) Source {
	var s Source
	for c, n := range counts {
		s.Names = append(s.Names, string(rune('A'+c)))
		var ex [][]float32
		for range n {
			ex = append(ex, img(rng))
		}
		s.Images = append(s.Images, ex)
	}
	return s
}

func TestNewTask(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	src := source(rng, 2, 1, 3, 2)
	src.Query = img(rng)
	task, err := NewTask(src, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(task.Classes, []int{0, 2, 3}) || !slices.Equal(task.Names, []string{"A", "C", "D"}) {
		t.Errorf("classes %v %v, want those with 2 examples: A C D", task.Classes, task.Names)
	}
	// The visitor's query first (label unknown), then C's third example.
	if !slices.Equal(task.QueryLabels, []int{-1, 1}) || &task.Queries[1][0] != &src.Images[2][2][0] {
		t.Errorf("query labels %v", task.QueryLabels)
	}
	for c, ex := range task.Support {
		if len(ex) != 2 {
			t.Errorf("class %d has %d support images", c, len(ex))
		}
	}
	_, err = NewTask(src, 4, 2)
	if err == nil || !strings.Contains(err.Error(), "needs 4 classes with at least 2 examples each, and only 3 classes have that many") {
		t.Errorf("4-way 2-shot: %v", err)
	}
	if _, err := NewTask(src, 21, 1); err == nil || !strings.HasPrefix(err.Error(), "N (classes) 21") {
		t.Errorf("21-way: %v", err)
	}
	if _, err := NewTask(src, 2, 0); err == nil || !strings.HasPrefix(err.Error(), "K (examples per class) 0") {
		t.Errorf("0-shot: %v", err)
	}
}

func loadIndex(t *testing.T) (*omniglot.Index, []byte) {
	data, err := os.ReadFile("../../assets/omniglot/index.json")
	if err != nil {
		t.Fatal(err)
	}
	ix, err := omniglot.ParseIndex(data)
	if err != nil {
		t.Fatal(err)
	}
	return ix, data
}

// TestSplit: the index's split is the lecture's 1200 / 423 characters, and
// the two alphabets the view samples from are on opposite sides of it.
func TestSplit(t *testing.T) {
	ix, _ := loadIndex(t)
	if tr, te := SplitSizes(ix); tr != 1200 || te != 423 {
		t.Errorf("split sizes %d, %d; want 1200, 423 (Vinyals et al.)", tr, te)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		tr, te, err := SplitAlphabets(ix, 5, rng)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range tr.Characters {
			if c.Vinyals == "test" {
				t.Errorf("training alphabet %s has a test character", tr.Name)
			}
		}
		for _, c := range te.Characters {
			if c.Vinyals != "test" {
				t.Errorf("test alphabet %s has a %s character", te.Name, c.Vinyals)
			}
		}
	}
	ds := omniglot.New(ix)
	sheet, err := os.ReadFile("../../assets/omniglot/Latin.png")
	if err != nil {
		t.Fatal(err)
	}
	if err := ds.AddAlphabetSheet("Latin", sheet); err != nil {
		t.Fatal(err)
	}
	task, err := SampleOmniglot(ds, "Latin", 5, 2, 1, rng)
	if err != nil {
		t.Fatal(err)
	}
	if len(task.Support) != 5 || len(task.Support[4]) != 2 || len(task.Queries) != 5 || !strings.HasPrefix(task.Names[0], "Latin ") {
		t.Errorf("task %d classes, %d queries, names %v", len(task.Support), len(task.Queries), task.Names)
	}
	seen := map[string]bool{}
	for _, n := range task.Names {
		if seen[n] {
			t.Errorf("class %s twice", n)
		}
		seen[n] = true
	}
	if _, err := SampleOmniglot(ds, "Korean", 5, 2, 1, rng); err == nil {
		t.Error("an alphabet not loaded was sampled")
	}
	if _, err := SampleOmniglot(ds, "Latin", 5, 19, 2, rng); err == nil || !strings.Contains(err.Error(), "20 drawings") {
		t.Errorf("21 drawings of 20: %v", err)
	}
}

// TestMetricIsProtoNet: the view's probabilities and winner are those of
// the page's ProtoNet classifier with the same network.
func TestMetricIsProtoNet(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	emb := classify.NewConv4(nn.NewConv4Params(rng))
	src := source(rng, 3, 1, 2)
	q := img(rng)
	v, err := Metric(emb, src.Images, q)
	if err != nil {
		t.Fatal(err)
	}
	want, err := classify.NewProtoNet(emb).Classify(src.Images, q)
	if err != nil {
		t.Fatal(err)
	}
	if v.Best != want.Best {
		t.Errorf("best %d, ProtoNet's %d", v.Best, want.Best)
	}
	for c := range want.Probs {
		if math.Abs(v.Probs[c]-want.Probs[c]) > 1e-6 {
			t.Errorf("class %d: p %v, ProtoNet's %v", c, v.Probs[c], want.Probs[c])
		}
	}
	kinds := map[Kind]int{}
	for _, p := range v.Points {
		kinds[p.Kind]++
	}
	if kinds[SupportPoint] != 6 || kinds[PrototypePoint] != 3 || kinds[QueryPoint] != 1 {
		t.Errorf("points %v", kinds)
	}
	svg := MetricSVG(v, []string{"<b>", "x", "y"}, Display{})
	if strings.Contains(svg, "<b>") || !strings.Contains(svg, "&lt;b&gt;") || strings.Count(svg, `class="dist"`) != 3 {
		t.Errorf("MetricSVG: names not escaped or lines missing")
	}
}

// TestPCA2 checks the projection against gonum's stat.PC (what the Train
// view's snapshot uses), up to each component's sign.
func TestPCA2(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n, d = 30, 12
	rows := make([][]float64, n)
	a := mat.NewDense(n, d, nil)
	for i := range rows {
		rows[i] = make([]float64, d)
		for j := range d {
			rows[i][j] = rng.NormFloat64() * float64(d-j) // distinct variances
			a.Set(i, j, rows[i][j])
		}
	}
	xy, explained := PCA2(rows)
	var pc stat.PC
	if !pc.PrincipalComponents(a, nil) {
		t.Fatal("gonum PCA failed")
	}
	var vecs mat.Dense
	pc.VectorsTo(&vecs)
	vars := pc.VarsTo(nil)
	var total float64
	for _, v := range vars {
		total += v
	}
	if math.Abs(explained-(vars[0]+vars[1])/total) > 1e-6 {
		t.Errorf("explained %v, gonum %v", explained, (vars[0]+vars[1])/total)
	}
	var proj mat.Dense
	var centred mat.Dense
	centred.CloneFrom(a)
	for j := range d {
		m := stat.Mean(mat.Col(nil, j, a), nil)
		for i := range n {
			centred.Set(i, j, centred.At(i, j)-m)
		}
	}
	proj.Mul(&centred, vecs.Slice(0, d, 0, 2))
	for k := range 2 {
		sign := 1.0
		if xy[0][k]*proj.At(0, k) < 0 {
			sign = -1
		}
		for i := range n {
			if math.Abs(xy[i][k]-sign*proj.At(i, k)) > 1e-5*(1+math.Abs(proj.At(i, k))) {
				t.Fatalf("point %d component %d: %v, gonum %v", i, k, xy[i][k], sign*proj.At(i, k))
			}
		}
	}
}

func bundled(t *testing.T, name string) []byte {
	data, err := os.ReadFile("../../assets/models/" + name + ".safetensors")
	if err != nil {
		t.Skipf("no bundled %s weights: %v", name, err)
	}
	return data
}

// TestInner: one step at a time, a loss per step, probabilities before
// (the meta-learned weights) and after; the final answer is the page's
// FineTuner's with the same settings.
func TestInner(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	src := source(rng, 2, 2, 2)
	src.Query = img(rng)
	task, err := NewTask(src, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	in, err := NewInner("fomaml", bundled(t, "fomaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Start(task, 4, 0.01); err != nil {
		t.Fatal(err)
	}
	if v := in.View(); v.Done != 0 || v.Total != 4 || v.Before == nil || v.After != nil || v.Finished {
		t.Fatalf("before any step: %+v", v)
	}
	for i := 1; ; i++ {
		more, err := in.Step()
		if err != nil {
			t.Fatal(err)
		}
		v := in.View()
		if i <= 4 && (len(v.Losses) != i || v.Done != i || v.After == nil) {
			t.Fatalf("after step %d: %d losses, done %d", i, len(v.Losses), v.Done)
		}
		if !more {
			break
		}
		if i > 10 {
			t.Fatal("the loop never ends")
		}
	}
	v := in.View()
	if !v.Finished {
		t.Fatal("not finished")
	}
	// The same run through the FineTuner directly (Compare's path).
	f, err := NewInner("fomaml", bundled(t, "fomaml"))
	if err != nil {
		t.Fatal(err)
	}
	_ = f.f.SetInner(4, 0.01)
	rows := Compare([]Named{{Algo: "fomaml", C: f.f}}, task, time.Now)
	if rows[0].Err != nil {
		t.Fatal(rows[0].Err)
	}
	for c := range v.After {
		if math.Abs(v.After[c]-rows[0].Probs[c]) > 1e-6 {
			t.Errorf("class %d: %v, FineTuner %v", c, v.After[c], rows[0].Probs[c])
		}
	}
	if err := in.Start(task, 4, 11); err == nil {
		t.Error("lr 11 accepted")
	}
	if err := in.Start(Task{}, 4, 0.01); err == nil {
		t.Error("a task without a query started")
	}
}

func TestMemory(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	src := source(rng, 3, 3, 3)
	src.Query = img(rng)
	task, _ := NewTask(src, 3, 3)
	l, err := FreshMANN(5, 1)
	if err != nil {
		t.Fatal(err)
	}
	v, err := Memory(l, task, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Order) != 9 {
		t.Fatalf("order %v", v.Order)
	}
	seen := map[[2]int]bool{}
	for _, p := range v.Order {
		seen[p] = true
	}
	if len(seen) != 9 {
		t.Errorf("order is not a permutation: %v", v.Order)
	}
	for i, c := range v.SlotClass {
		if c < -1 || c >= 3 {
			t.Errorf("slot %d class %d", i, c)
		}
	}
	if w := v.Written(); w == 0 || w > len(v.SlotClass) || len(v.Read) != len(v.SlotClass) {
		t.Errorf("%d slots written, %d read weights", w, len(v.Read))
	}
	var sum float64
	for _, p := range v.Probs {
		sum += p
	}
	if len(v.Probs) != 3 || math.Abs(sum-1) > 1e-5 {
		t.Errorf("probs %v", v.Probs)
	}
	if s := MemorySVG(v); strings.Count(s, `class="slot"`) != len(v.SlotClass) ||
		strings.Count(s, `class="slot" data-class="-1"`) != len(v.SlotClass)-v.Written() {
		t.Error("MemorySVG lacks slots or colours others than Written counts")
	}
	// The compare step's MANN row answers the same.
	r, err := MANNClassifier{L: l, Seed: 2}.Classify(task.Support, task.Queries[0])
	if err != nil || !slices.Equal(r.Probs, v.Probs) {
		t.Errorf("MANNClassifier: %v %v, Memory %v", r.Probs, err, v.Probs)
	}
	big, _ := NewTask(source(rng, 1, 1, 1, 1, 1, 1), 6, 1)
	big.Queries, big.QueryLabels = [][]float32{img(rng)}, []int{-1}
	if _, err := Memory(l, big, 1); err == nil {
		t.Error("a 6-way task on a 5-class MANN")
	}
}

type failing struct{}

func (failing) Classify([][][]float32, []float32) (classify.Result, error) {
	return classify.Result{}, os.ErrInvalid
}

func TestCompare(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	src := source(rng, 1, 1)
	src.Query = img(rng)
	task, _ := NewTask(src, 2, 1)
	p := classify.NewProtoNet(classify.NewConv4(nn.NewConv4Params(rng)))
	tick := time.Unix(0, 0)
	now := func() time.Time { tick = tick.Add(time.Millisecond); return tick }
	rows := Compare([]Named{{"protonet", "ProtoNet", p}, {"x", "<X>", failing{}}}, task, now)
	if rows[0].Err != nil || len(rows[0].Probs) != 2 || rows[0].Time != time.Millisecond {
		t.Errorf("protonet row %+v", rows[0])
	}
	if rows[1].Err == nil {
		t.Error("error lost")
	}
	h := CompareHTML(rows, task.Names)
	if !strings.Contains(h, "&lt;X&gt;") || !strings.Contains(h, `data-ms="1.00"`) {
		t.Errorf("CompareHTML: %s", h)
	}
}

func TestTaskHTMLEscapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	src := source(rng, 1, 2)
	src.Names[0] = `<img src=x onerror=alert(1)>`
	src.Query = img(rng)
	task, _ := NewTask(src, 2, 1)
	h := TaskHTML(task) + BarsHTML(task.Names, []float64{0.25, 0.75}, 1)
	if strings.Contains(h, "<img src=x") {
		t.Fatal("a class name went into the HTML unescaped")
	}
	if strings.Count(h, `class="lthumb support"`) != 2 || strings.Count(h, `class="lthumb query"`) != 2 {
		t.Errorf("thumbnails: %s", h)
	}
}

func TestFragment(t *testing.T) {
	def := Place{Step: 0, Way: 5, Shot: 1}
	p := Place{Step: StepIndex("metric"), Way: 20, Shot: 5}
	got, ok := ParseFragment("#"+p.Fragment(), def)
	if !ok || got != p {
		t.Errorf("round trip %q: %+v %v", p.Fragment(), got, ok)
	}
	for frag, want := range map[string]Place{
		"learn":                    def,
		"#learn/nope?n=99&k=x":     def,
		"learn/compare?k=3":        {Step: 5, Way: 5, Shot: 3},
		"learn/split?n=2&k=19&n=1": {Step: 1, Way: 2, Shot: 19},
	} {
		if got, ok := ParseFragment(frag, def); !ok || got != want {
			t.Errorf("%q: %+v %v, want %+v", frag, got, ok, want)
		}
	}
	if _, ok := ParseFragment("#learner", def); ok {
		t.Error("#learner read as the Learn view")
	}
}

func FuzzParseFragment(f *testing.F) {
	f.Add("learn/metric?n=5&k=1")
	f.Add("#learn/?n=-1&&k=")
	f.Fuzz(func(t *testing.T, s string) {
		p, _ := ParseFragment(s, Place{Way: 5, Shot: 1})
		if p.Step < 0 || p.Step >= len(Steps()) || CheckSize(p.Way, p.Shot) != nil {
			t.Fatalf("%q → %+v", s, p)
		}
		if q, ok := ParseFragment(p.Fragment(), Place{}); !ok || q != p {
			t.Fatalf("%q → %+v → %q → %+v", s, p, p.Fragment(), q)
		}
	})
}

func TestSetEpisodes(t *testing.T) {
	l := NewLesson(1)
	r := EpisodeResult{Algo: "protonet", Label: "ProtoNet", Way: 5, Shot: 1, Done: 40, Episodes: 100, Accuracy: 97, CI95: 1}
	l.SetEpisodes(r)
	r.Done = 100
	l.SetEpisodes(r)
	l.SetEpisodes(EpisodeResult{Algo: "fomaml", Label: "<F>", Way: 5, Shot: 1, Episodes: 100, Err: "its head has 5 classes"})
	if len(l.Episodes) != 2 || l.Episodes[0].Done != 100 {
		t.Fatalf("%+v", l.Episodes)
	}
	h := EpisodesHTML(l.Episodes)
	if !strings.Contains(h, `data-algo="protonet" data-done="100" data-acc="97.00"`) || !strings.Contains(h, "&lt;F&gt;") || !strings.Contains(h, "its head has 5 classes") {
		t.Errorf("EpisodesHTML: %s", h)
	}
	l.SetEpisodes(EpisodeResult{Algo: "protonet", Way: 20, Shot: 1, Episodes: 100})
	if len(l.Episodes) != 1 {
		t.Errorf("a 20-way result kept the 5-way chart: %+v", l.Episodes)
	}
}

// loadAlphabet returns a data set with the named alphabet's sheet loaded.
func loadAlphabet(t *testing.T, name string) *omniglot.Dataset {
	t.Helper()
	ix, _ := loadIndex(t)
	ds := omniglot.New(ix)
	for _, a := range ix.Alphabets {
		if a.Name == name {
			sheet, err := os.ReadFile("../../assets/omniglot/" + a.File)
			if err != nil {
				t.Fatal(err)
			}
			if err := ds.AddAlphabetSheet(name, sheet); err != nil {
				t.Fatal(err)
			}
			return ds
		}
	}
	t.Fatalf("no alphabet %s", name)
	return nil
}

// TestBundledMANN: the model-based step and the compare row use the
// bundled, trained MANN, which answers held-out 5-way 5-shot tasks well
// above chance (the untrained one the page used before stays near 1 in
// 5), and its note says what it learned from in plain words.
func TestBundledMANN(t *testing.T) {
	data := bundled(t, "mann")
	m, note, err := LoadMANN(data)
	if err != nil {
		t.Fatal(err)
	}
	// The note gives the episodes the file records, with those of the
	// model its run started from (-init), grouped by thin spaces
	// ("2 080 000").
	_, meta, err := checkpoint.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(meta["episodes"])
	if err != nil {
		t.Fatal(err)
	}
	var c modelfile.Config
	if err := json.Unmarshal([]byte(meta["config"]), &c); err != nil {
		t.Fatal(err)
	}
	if c.Init != "" {
		in, err := modelfile.ParseInit(c.Init)
		if err != nil {
			t.Fatal(err)
		}
		n += in.Episodes
	}
	eps := strconv.Itoa(n)
	for i := len(eps) - 3; i > 0; i -= 3 {
		eps = eps[:i] + "\u202f" + eps[i:]
	}
	if m.Config().Classes != 5 || !strings.Contains(note, eps+" Omniglot tasks of 5 classes") || strings.Contains(note, "untrained") {
		t.Errorf("classes %d, note %q", m.Config().Classes, note)
	}
	if _, _, err := LoadMANN(bundled(t, "protonet")); err == nil {
		t.Error("ProtoNet weights taken for a MANN")
	}
	fresh, err := FreshMANN(5, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Keble: a Vinyals test alphabet, never trained on.
	ds := loadAlphabet(t, "Keble")
	rng := rand.New(rand.NewPCG(5, 6))
	const tasks = 20
	right, rightFresh := 0, 0
	for range tasks {
		task, err := SampleOmniglot(ds, "Keble", 5, 5, 1, rng)
		if err != nil {
			t.Fatal(err)
		}
		for i, q := range task.Queries {
			r, err := MANNClassifier{L: m, Seed: 3}.Classify(task.Support, q)
			if err != nil {
				t.Fatal(err)
			}
			f, _ := MANNClassifier{L: fresh, Seed: 3}.Classify(task.Support, q)
			if r.Best == task.QueryLabels[i] {
				right++
			}
			if f.Best == task.QueryLabels[i] {
				rightFresh++
			}
		}
	}
	t.Logf("5-way 5-shot Keble: trained MANN %d of %d right, untrained %d", right, 5*tasks, rightFresh)
	if right < 60 { // chance: 20 of 100
		t.Errorf("the bundled MANN got %d of %d right", right, 5*tasks)
	}

	// The lesson's model step asks for it, shows it at N ≤ 5, and says
	// plainly when N is beyond it.
	l := NewLesson(1)
	l.Mine = source(rng, 2, 2, 2)
	l.Mine.Query = img(rng)
	if err := l.SetSize("3", "2"); err != nil {
		t.Fatal(err)
	}
	l.Go(4)
	if l.Step().ID != "model" || !slices.Equal(l.Needs(), []Need{NeedMANN}) || !strings.Contains(l.Body(), "Loading the trained MANN") {
		t.Fatalf("at %s needs %v: %s", l.Step().ID, l.Needs(), l.Body())
	}
	l.MANN, l.MANNNote = m, note
	if b := l.Body(); len(l.Needs()) != 0 || !strings.Contains(b, "meta-trained on "+eps) || strings.Contains(b, "untrained") {
		t.Errorf("3-way with the trained MANN: %s", b)
	}
	l.Mine = source(rng, 1, 1, 1, 1, 1, 1, 1)
	l.Mine.Query = img(rng)
	if err := l.SetSize("7", "1"); err != nil {
		t.Fatal(err)
	}
	if b := l.Body(); !strings.Contains(b, "answers at most 5 classes") || !strings.Contains(b, "untrained") || !strings.Contains(b, "1 in 7") {
		t.Errorf("7-way: %s", b)
	}
	if _, err := (MANNClassifier{L: m}).Classify(l.Mine.Images, l.Mine.Query); err == nil || !strings.Contains(err.Error(), "at most 5 classes") {
		t.Errorf("7 classes on the trained MANN: %v", err)
	}
}

// The metric picture's labels stay inside it and keep what tells
// Omniglot's classes apart: a label is placed beside, above or below its
// dot where it fits in the picture (PlaceLabels), and a long name keeps
// its last word.
func TestMetricLabels(t *testing.T) {
	for in, want := range map[string]string{
		"Old Church Slavonic (Cyrillic) 18": "Old Church Sla… 18",
		"Malayalam 42":                      "Malayalam 42",
		"a drawing with no number at all":   "a drawing with no…",
		"Japanese (hiragana) 101":           "Japanese (hir… 101",
	} {
		if got := short(in); got != want || len([]rune(got)) > 18 {
			t.Errorf("short(%q) = %q, want %q", in, got, want)
		}
	}
	v := MetricView{Best: 0, Dist2: []float64{1, 4}, Points: []Point{
		{Kind: PrototypePoint, Class: 0, X: -1, Y: 0},
		{Kind: PrototypePoint, Class: 1, X: 1, Y: 0},
		{Kind: QueryPoint, Class: -1, X: -0.9, Y: 0.1},
	}}
	svg := MetricSVG(v, []string{"Tibetan 01", "Old Church Slavonic (Cyrillic) 18"}, Display{})
	labels := map[string]bool{}
	for _, l := range texts(t, svg) {
		labels[l.text] = true
		if l.box.X0 < 0 || l.box.X1 > 480 {
			t.Errorf("label %q at %+v leaves the picture", l.text, l.box)
		}
	}
	if !labels["Tibetan 01"] || !labels["Old Church Sla… 18"] {
		t.Errorf("labels %v", labels)
	}
}

// TestInitEpisodes: a MANN's note counts the episodes of the MANN its run
// started from (-init), and nothing for a random start, another
// algorithm's model or an unreadable config.
func TestInitEpisodes(t *testing.T) {
	for _, tc := range []struct {
		config string
		want   int
	}{
		{`{"algo":"mann","init":"model.safetensors (mann, 1600000 episodes, sha256 0011)"}`, 1600000},
		{`{"algo":"mann"}`, 0},
		{`{"algo":"mann","init":"protonet.safetensors (protonet, 12 episodes, sha256 0011)"}`, 0},
		{`{"algo":"mann","init":"nonsense"}`, 0},
		{`not json`, 0},
	} {
		if got := initEpisodes(map[string]string{"config": tc.config}); got != tc.want {
			t.Errorf("initEpisodes(%s) = %d, want %d", tc.config, got, tc.want)
		}
	}
}
