package learn

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"metaglot/core/mann"
	"metaglot/core/omniglot"
	"metaglot/wasm/app"
	"metaglot/wasm/classify"
)

// Sources of a lesson's task.
const (
	Mine     = "mine"     // the visitor's classes and query
	Omniglot = "omniglot" // characters of a held-out Omniglot alphabet
)

// Need names something a step needs fetched before it can show itself.
type Need string

// Things a lesson fetches, when a step first needs them.
const (
	NeedOmniglot Need = "omniglot" // the index and a held-out alphabet's sheet (Omniglot source)
	NeedSplit    Need = "split"    // a training and a held-out alphabet's sheets
	NeedProtoNet Need = "protonet" // ProtoNet's weights (the metric step)
	NeedInner    Need = "inner"    // FOMAML's or Reptile's weights (the optimization step)
	NeedMANN     Need = "mann"     // the bundled MANN's weights (the model-based step)
	NeedCompare  Need = "compare"  // every algorithm's weights, the MANN's too (the compare step)
)

// Lesson is the Learn view's state: where it is, the task, and what the
// steps have fetched and computed. The page fills the fetched fields
// (Index, Data, Emb, Inner, ...) as they arrive and calls Body again.
type Lesson struct {
	Place  Place
	Source string
	// Mine is the visitor's classes and query, as last read from Draw &
	// classify.
	Mine Source
	// Seed chooses Omniglot characters and drawings, and the MANN's order.
	Seed uint64
	// Display is how the metric picture was last shown (its width, Large
	// text), which its labels' size follows (MetricSVG).
	Display Display

	// Omniglot: the index and the sheets loaded so far; OmniAlphabet is the
	// held-out alphabet of the Omniglot source, TrainAlphabet and
	// TestAlphabet those of the split step.
	Index                       *omniglot.Index
	Data                        *omniglot.Dataset
	OmniAlphabet                string
	TrainAlphabet, TestAlphabet string

	// Emb embeds for the metric step (ProtoNet's network).
	Emb classify.Embedder
	// Inner is the optimization step's inner loop; InnerSteps and InnerLR
	// its settings (0: the model's own).
	Inner      *Inner
	InnerSteps int
	InnerLR    float64
	innerKey   string // the task the loop runs on (taskKey)
	// MANN is the model-based step's network, the bundled trained one
	// (LoadMANN), and MANNNote says what it learned from. For a task of
	// more classes than it answers, the step shows fresh, an untrained
	// MANN of the task's size, and says so.
	MANN     *mann.Learner
	MANNNote string
	fresh    *mann.Learner
	// Classifiers are the compare step's, one per algorithm (nil until
	// their weights are in).
	Classifiers []Named
	// Compared is the compare step's last result, for the task of
	// ComparedKey.
	Compared    []CompareRow
	ComparedKey string
	// Episodes is the result of the compare step's Omniglot episodes, per
	// algorithm label, with the N and K they ran at.
	Episodes []EpisodeResult

	// Errors per need: why something could not be fetched.
	Errors map[Need]string
}

// EpisodeResult is one algorithm's accuracy over many Omniglot test
// episodes run in the page.
type EpisodeResult struct {
	Algo, Label string
	Way, Shot   int
	// Done of Episodes episodes are measured so far.
	Done, Episodes int
	Accuracy       float64 // percent
	CI95           float64
	// Note says how the model classified, Err why it could not.
	Note, Err string
}

// SetEpisodes records an algorithm's result so far, replacing its
// previous one; a result of another size than the others starts a new
// chart.
func (l *Lesson) SetEpisodes(r EpisodeResult) {
	if len(l.Episodes) > 0 && (l.Episodes[0].Way != r.Way || l.Episodes[0].Shot != r.Shot || l.Episodes[0].Episodes != r.Episodes) {
		l.Episodes = nil
	}
	for i := range l.Episodes {
		if l.Episodes[i].Algo == r.Algo {
			l.Episodes[i] = r
			return
		}
	}
	l.Episodes = append(l.Episodes, r)
}

// NewLesson returns a lesson at the first step, 5-way 1-shot.
func NewLesson(seed uint64) *Lesson {
	return &Lesson{Place: Place{Way: 5, Shot: 1}, Source: Mine, Seed: seed, Errors: map[Need]string{}}
}

// Step returns the current step.
func (l *Lesson) Step() Step { return Steps()[l.Place.Step] }

// Go moves by delta steps, staying within the lecture; it reports
// whether the step changed.
func (l *Lesson) Go(delta int) bool {
	s := min(max(l.Place.Step+delta, 0), len(Steps())-1)
	changed := s != l.Place.Step
	l.Place.Step = s
	return changed
}

// SetSize sets N and K from the page's fields, refusing bad values with
// a message naming the field (the size stays).
func (l *Lesson) SetSize(way, shot string) error {
	var n, k int
	if _, err := fmt.Sscan(strings.TrimSpace(way), &n); err != nil {
		return fmt.Errorf("N (classes) %q: want a whole number from %d to %d", way, MinWay, MaxWay)
	}
	if _, err := fmt.Sscan(strings.TrimSpace(shot), &k); err != nil {
		return fmt.Errorf("K (examples per class) %q: want a whole number from %d to %d", shot, MinShot, MaxShot)
	}
	if err := CheckSize(n, k); err != nil {
		return err
	}
	l.Place.Way, l.Place.Shot = n, k
	return nil
}

// Needs returns what the current step needs fetched and does not have.
func (l *Lesson) Needs() []Need {
	var out []Need
	add := func(n Need, have bool) {
		if !have && l.Errors[n] == "" {
			out = append(out, n)
		}
	}
	if l.Source == Omniglot {
		add(NeedOmniglot, l.OmniAlphabet != "" && l.Data != nil && l.Data.Loaded(l.OmniAlphabet))
	}
	switch l.Step().ID {
	case "split":
		add(NeedSplit, l.TrainAlphabet != "" && l.Data.Loaded(l.TrainAlphabet) && l.Data.Loaded(l.TestAlphabet))
	case "metric":
		add(NeedProtoNet, l.Emb != nil)
	case "optim":
		add(NeedInner, l.Inner != nil)
	case "model":
		add(NeedMANN, l.MANN != nil)
	case "compare":
		add(NeedCompare, l.Classifiers != nil)
	}
	return out
}

// Task returns the task of the current source and size.
func (l *Lesson) Task() (Task, error) {
	if l.Source == Omniglot {
		if l.OmniAlphabet == "" || l.Data == nil || !l.Data.Loaded(l.OmniAlphabet) {
			return Task{}, errLoading
		}
		return SampleOmniglot(l.Data, l.OmniAlphabet, l.Place.Way, l.Place.Shot, 1, l.rng(1))
	}
	return NewTask(l.Mine, l.Place.Way, l.Place.Shot)
}

// errLoading says a step waits for something to be fetched.
var errLoading = fmt.Errorf("loading…")

func (l *Lesson) rng(stream uint64) *rand.Rand { return rand.New(rand.NewPCG(l.Seed, stream)) }

// Body returns the HTML of the current step's pictures (its title and
// text are Step's).
func (l *Lesson) Body() string {
	if e := l.Errors[NeedOmniglot]; e != "" && l.Source == Omniglot {
		return para("error", "Omniglot could not be loaded: "+e)
	}
	t, err := l.Task()
	if err == errLoading {
		return para("loading", "Loading Omniglot…")
	}
	switch l.Step().ID {
	case "task":
		if err != nil {
			return para("error", err.Error()) + AccuracyHTML(Evals(), l.Place.Way, l.Place.Shot)
		}
		return `<div class="learn-cols">` + `<div>` + TaskHTML(t) + `</div><div>` + AccuracyHTML(Evals(), l.Place.Way, l.Place.Shot) + `</div></div>`
	case "split":
		return l.splitBody()
	}
	if err != nil {
		return para("error", err.Error())
	}
	names := t.Names
	switch l.Step().ID {
	case "metric":
		if e := l.Errors[NeedProtoNet]; e != "" {
			return para("error", "ProtoNet's weights could not be loaded: "+e)
		}
		if l.Emb == nil {
			return para("loading", "Loading ProtoNet's network…")
		}
		q, label, ok := t.Query()
		if !ok {
			return para("error", "Draw a query in Draw & classify (or give a class one more example than K) to see where it lands.")
		}
		v, err := Metric(l.Emb, t.Support, q)
		if err != nil {
			return para("error", err.Error())
		}
		return `<div class="learn-cols"><div>` + MetricSVG(v, names, l.Display) + MetricCaption(v) + `</div><div>` + queryHTML(q, label, names) +
			fmt.Sprintf(`<p class="verdict" data-best="%d">Nearest prototype: <b>%s</b> (squared distance %.3g). Probabilities: softmax of −d²:</p>`, v.Best, esc(names[v.Best]), v.Dist2[v.Best]) +
			BarsHTML(names, v.Probs, v.Best) + `</div></div>`
	case "optim":
		return l.innerBody(t)
	case "model":
		return l.memoryBody(t)
	case "compare":
		return l.compareBody(t)
	}
	return ""
}

func para(class, text string) string {
	return fmt.Sprintf(`<p class="learn-%s">%s</p>`, class, esc(text))
}

// queryHTML shows the query with what is known of its class.
func queryHTML(q []float32, label int, names []string) string {
	what := "your query (its class is what we ask)"
	if label >= 0 {
		what = "query: a further drawing of " + names[label]
	}
	return `<p class="query-line">` + thumb(q, what, "query big") + " " + esc(what) + `</p>`
}

func (l *Lesson) splitBody() string {
	if e := l.Errors[NeedSplit]; e != "" {
		return para("error", "Omniglot could not be loaded: "+e)
	}
	if l.TrainAlphabet == "" || l.Data == nil || !l.Data.Loaded(l.TrainAlphabet) || !l.Data.Loaded(l.TestAlphabet) {
		return para("loading", "Loading a training alphabet and a held-out one…")
	}
	train, test := SplitSizes(l.Index)
	way := min(l.Place.Way, 5)
	shot := min(l.Place.Shot, 5)
	tr, err1 := SampleOmniglot(l.Data, l.TrainAlphabet, way, shot, 1, l.rng(2))
	te, err2 := SampleOmniglot(l.Data, l.TestAlphabet, way, shot, 1, l.rng(3))
	if err1 != nil || err2 != nil {
		return para("error", fmt.Sprint(err1, err2))
	}
	return fmt.Sprintf(`<div class="learn-cols"><div class="split-train"><h3>Meta-training episode</h3><p class="note">From %s, one of the training alphabets: %d characters that training may use.</p>%s</div>`+
		`<div class="split-test"><h3>Meta-test episode</h3><p class="note">From %s, a held-out alphabet: one of %d characters no model here ever trained on. The accuracy in step 1 is measured on such episodes.</p>%s</div></div>`,
		esc(strings.ReplaceAll(l.TrainAlphabet, "_", " ")), train, TaskHTML(tr), esc(strings.ReplaceAll(l.TestAlphabet, "_", " ")), test, TaskHTML(te)) +
		fmt.Sprintf(`<p class="note">Shown at %d-way %d-shot (at most 5 × 5 here, to fit).</p>`, way, shot)
}

func (l *Lesson) innerBody(t Task) string {
	if e := l.Errors[NeedInner]; e != "" {
		return para("error", "The weights could not be loaded: "+e)
	}
	if l.Inner == nil {
		return para("loading", "Loading the meta-learned weights…")
	}
	q, label, ok := t.Query()
	if !ok {
		return para("error", "Draw a query in Draw & classify (or give a class one more example than K) to adapt for it.")
	}
	v := InnerView{}
	if l.InnerRunning() {
		v = l.Inner.View()
	} else {
		v.Total, _ = l.Inner.Defaults()
		if l.InnerSteps > 0 {
			v.Total = l.InnerSteps
		}
	}
	var b strings.Builder
	b.WriteString(`<div class="learn-cols"><div>`)
	b.WriteString(queryHTML(q, label, t.Names))
	fmt.Fprintf(&b, `<p class="inner-status" data-done="%d" data-total="%d" data-finished="%t">%s: %d of %d inner steps done.</p>`, v.Done, v.Total, v.Finished, esc(app.AlgorithmLabel(l.Inner.Algo)), v.Done, v.Total)
	b.WriteString(LossSVG(v.Losses, v.Total))
	if n := len(v.Losses); n > 0 {
		fmt.Fprintf(&b, `<p class="note">Support loss: %.3g at step 1, %.3g at step %d.</p>`, v.Losses[0], v.Losses[n-1], n)
		if v.Losses[0] < 1e-3 {
			b.WriteString(para("hint", "The support loss is already near 0: the meta-learned starting point fits these examples, so the steps change little. Try Omniglot, or classes that look alike."))
		}
	}
	b.WriteString(`<p class="note bn-note">` + esc(app.BNText(l.Inner.Algo, l.Inner.BN())) + `</p>`)
	b.WriteString(`</div><div>`)
	if v.Before != nil {
		b.WriteString(`<p class="note">Before adaptation (the meta-learned weights, 0 steps):</p>` + BarsHTML(t.Names, v.Before, argmax(v.Before)))
	}
	if v.After != nil {
		what := fmt.Sprintf("After %d of %d steps:", v.Done, v.Total)
		if v.Finished {
			what = fmt.Sprintf("After all %d steps (the answer):", v.Total)
		}
		b.WriteString(`<p class="note after-label">` + what + `</p>` + BarsHTML(t.Names, v.After, argmax(v.After)))
	} else {
		b.WriteString(`<p class="note">Press Step to take the first inner step.</p>`)
	}
	b.WriteString(`</div></div>`)
	return b.String()
}

func (l *Lesson) memoryBody(t Task) string {
	m, note := l.MANN, l.MANNNote
	e := l.Errors[NeedMANN]
	if m == nil && e == "" {
		return para("loading", "Loading the trained MANN…")
	}
	if m == nil || m.Config().Classes < t.Way {
		why := "The trained MANN could not be loaded (" + e + ")."
		if m != nil {
			c := m.Config().Classes
			why = fmt.Sprintf("The trained MANN answers at most %d classes (it was meta-trained on %d-way tasks): set N to %d or less to see it.", c, c, c)
		}
		if l.fresh == nil || l.fresh.Config().Classes < t.Way {
			f, err := FreshMANN(max(t.Way, 5), l.Seed)
			if err != nil {
				return para("error", err.Error())
			}
			l.fresh = f
		}
		m, note = l.fresh, why+fmt.Sprintf(" Shown here instead: a MANN of the same shape with freshly initialised, untrained weights. Its memory's writes and reads are real, its answers are chance (1 in %d).", t.Way)
	}
	v, err := Memory(m, t, l.Seed)
	if err != nil {
		return para("error", err.Error())
	}
	q, label, _ := t.Query()
	var b strings.Builder
	b.WriteString(para("mann-note", note))
	b.WriteString(`<h3>The support set, fed as a sequence</h3>` + SequenceHTML(t, v))
	fmt.Fprintf(&b, `<div class="learn-cols"><div><h3>The memory after the sequence</h3><p class="note">%d of %d slots hold most of the writes (at least a tenth of the largest), coloured by the class that wrote most into each; the dark bar in a slot is how much the query reads from it (full at 4× an even spread).</p>%s</div>`, v.Written(), len(v.SlotClass), MemorySVG(v))
	b.WriteString(`<div>` + queryHTML(q, label, t.Names) + `<p class="note">The MANN's answer for the query:</p>` + BarsHTML(t.Names, v.Probs, argmax(v.Probs)) + `</div></div>`)
	return b.String()
}

func (l *Lesson) compareBody(t Task) string {
	var b strings.Builder
	if l.Compared != nil && l.ComparedKey == l.taskKey() {
		q, label, _ := t.Query()
		b.WriteString(queryHTML(q, label, t.Names) + CompareHTML(l.Compared, t.Names))
	} else {
		b.WriteString(para("hint", "Press “Classify with every algorithm” to answer this task's query with each of them."))
	}
	if len(l.Episodes) > 0 {
		b.WriteString(EpisodesHTML(l.Episodes))
	}
	return b.String()
}

// taskKey identifies the task the compare step answered.
func (l *Lesson) taskKey() string {
	t, err := l.Task()
	if err != nil {
		return ""
	}
	q, _, _ := t.Query()
	return fmt.Sprint(l.Source, t.Names, t.Way, t.Shot, key(q), len(t.Support))
}

// SetCompared records a compare result for the current task.
func (l *Lesson) SetCompared(rows []CompareRow) { l.Compared, l.ComparedKey = rows, l.taskKey() }

func key(img []float32) float64 {
	var s float64
	for i, v := range img {
		s += float64(v) * float64(i%97+1)
	}
	return s
}

func argmax(p []float64) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}

// EpisodesHTML charts accuracies over Omniglot episodes run in the page,
// with their 95% confidence intervals, the episodes done so far, and why
// an algorithm could not be measured.
func EpisodesHTML(rs []EpisodeResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<p class="note">Measured in this page's background worker: %d held-out Omniglot episodes of %d-way %d-shot per algorithm (15 queries per class, the same episodes for each; bar: mean, whisker: 95%% confidence interval):</p><ul class="acc episodes">`, rs[0].Episodes, rs[0].Way, rs[0].Shot)
	for _, r := range rs {
		fmt.Fprintf(&b, `<li class="acc-row" data-algo="%s" data-done="%d" data-acc="%.2f"><span class="acc-name">%s</span>`, esc(r.Algo), r.Done, r.Accuracy, esc(r.Label))
		if r.Err != "" {
			fmt.Fprintf(&b, `<span class="learn-error">%s</span><span></span></li>`, esc(r.Err))
			continue
		}
		lo, hi := max(r.Accuracy-r.CI95, 0), min(r.Accuracy+r.CI95, 100)
		fmt.Fprintf(&b, `<svg class="acc-bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="%.1f%%"><rect width="100" height="10" fill="#e3e0d6"/><rect width="%.2f" height="10" fill="#2456c8"/><rect x="%.2f" y="3.5" width="%.2f" height="3" fill="#1a1a2e"/></svg><span class="acc-pct">%.1f %% ± %.1f</span>`,
			r.Accuracy, r.Accuracy, lo, max(hi-lo, 0.4), r.Accuracy, r.CI95)
		note := r.Note
		if r.Done < r.Episodes {
			note = strings.TrimPrefix(fmt.Sprintf("%s; %d of %d episodes so far", note, r.Done, r.Episodes), "; ")
		}
		if note != "" {
			fmt.Fprintf(&b, `<span class="note">%s</span>`, esc(note))
		}
		b.WriteString(`</li>`)
	}
	b.WriteString(`</ul>`)
	return b.String()
}

// StartInner starts the optimization step's inner loop on the current
// task with InnerSteps and InnerLR (the model's own where 0).
func (l *Lesson) StartInner() error {
	if l.Inner == nil {
		return errLoading
	}
	t, err := l.Task()
	if err != nil {
		return err
	}
	steps, lr := l.Inner.Defaults()
	if l.InnerSteps > 0 {
		steps = l.InnerSteps
	}
	if l.InnerLR > 0 {
		lr = l.InnerLR
	}
	l.innerKey = ""
	if err := l.Inner.Start(t, steps, lr); err != nil {
		return err
	}
	l.innerKey = l.taskKey()
	return nil
}

// StepInner takes the next inner step, first starting the loop if it is
// not running for the current task; it reports whether steps are left.
func (l *Lesson) StepInner() (more bool, err error) {
	if l.innerKey == "" || l.innerKey != l.taskKey() {
		if err := l.StartInner(); err != nil {
			return false, err
		}
	}
	return l.Inner.Step()
}

// InnerRunning reports whether the inner loop shown is for the current
// task.
func (l *Lesson) InnerRunning() bool { return l.innerKey != "" && l.innerKey == l.taskKey() }
