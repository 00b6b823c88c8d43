package classify

import (
	"fmt"
	"math"
	"slices"
)

// Familiarity says how far a query is from the class it is nearest to,
// measured against how far drawings of one class are from each other: the
// honest part of a classification. Softmax probabilities compare the
// classes given and always sum to 1, so a scribble that resembles none of
// them still gets 90 % for the least unlike one; the distance does not.
//
// Distances are squared Euclidean distances between embeddings (the
// network ProtoNet classifies with), from the query to a class's
// prototype (the mean of its examples' embeddings). The reference
// distances are leave-one-out: each example of a class with at least two
// examples against the prototype of the class's other examples, which is
// how far a new drawing of a known class lands. With fewer than
// MinReference of them, a fallback reference measured the same way on
// Omniglot drawings is used (ProtoNet.Reference), if the network has one.
type Familiarity struct {
	// Class is the class whose prototype is nearest the query; Dist2 the
	// squared distance to it.
	Class int
	Dist2 float64
	// Reference holds the reference distances, sorted; FromOmniglot says
	// they are the fallback's.
	Reference    []float64
	FromOmniglot bool
	// Beyond is the fraction of Reference smaller than Dist2: 0.5 is a
	// typical drawing of a class, 1 is farther than every one.
	Beyond float64
}

// Levels of Familiarity.Level.
const (
	Familiar = "familiar" // as near its class as the class's own drawings are
	Unsure   = "unsure"   // farther than nine in ten drawings from their class
	Unlike   = "unlike"   // farther than every drawing, by at least Margin
	NoRef    = "none"     // no reference to judge by
)

// MinReference is the fewest reference distances a Familiarity is judged
// by: below it the fallback (or nothing) is used.
const MinReference = 3

// Margin is how many times the largest reference distance a query must
// exceed to be called unlike every class; between the nine-in-ten
// quantile and this it is unsure.
const Margin = 1.25

// Level sums the familiarity up as Familiar, Unsure, Unlike or NoRef.
func (f Familiarity) Level() string {
	switch {
	case len(f.Reference) == 0:
		return NoRef
	case f.Dist2 > Margin*f.Reference[len(f.Reference)-1]:
		return Unlike
	case f.Beyond > 0.9:
		return Unsure
	}
	return Familiar
}

// Sentence says the familiarity in plain language, naming the nearest
// class by names[f.Class].
func (f Familiarity) Sentence(names []string) string {
	name := fmt.Sprint("class ", f.Class+1)
	if f.Class >= 0 && f.Class < len(names) && names[f.Class] != "" {
		name = "“" + names[f.Class] + "”"
	}
	whose := "your classes' drawings are from their own class's other drawings"
	if f.FromOmniglot {
		whose = "two Omniglot drawings of one character usually are from each other"
	}
	switch f.Level() {
	case Unlike:
		return fmt.Sprintf("Unlike every class: this query is %.1f× farther from the nearest one, %s, than any of %s. The percentages only rank the classes given; it may belong to none of them.",
			f.Dist2/f.Reference[len(f.Reference)-1], name, referenceWhat(f.FromOmniglot))
	case Unsure:
		return fmt.Sprintf("Unsure: this query is farther from %s than %d in 100 drawings are from their own class. Read the percentages with care.", name, int(math.Floor(100*f.Beyond)))
	case Familiar:
		return fmt.Sprintf("Close to %s: about as near as %s.", name, whose)
	}
	return "Give a class a second example to judge how unlike the classes a query is."
}

func referenceWhat(omniglot bool) string {
	if omniglot {
		return "the Omniglot drawings measured (each against another drawing of its character)"
	}
	return "your examples (each against the rest of its class)"
}

// Judge measures the query embedding q against the class embeddings
// support[c] (each D values), with fallback as the reference when the
// support gives fewer than MinReference distances. Classes without
// examples are skipped; it panics if none has one.
func Judge(support [][][]float32, q []float32, fallback []float64) Familiarity {
	f := Familiarity{Class: -1}
	protos := make([][]float64, len(support))
	for c, ex := range support {
		if len(ex) == 0 {
			continue
		}
		protos[c] = mean(ex, -1)
		d := dist2(q, protos[c])
		if f.Class < 0 || d < f.Dist2 {
			f.Class, f.Dist2 = c, d
		}
		if len(ex) < 2 {
			continue
		}
		for i := range ex {
			f.Reference = append(f.Reference, dist2(ex[i], mean(ex, i)))
		}
	}
	if f.Class < 0 {
		panic("classify: Judge without examples")
	}
	if len(f.Reference) < MinReference {
		f.Reference, f.FromOmniglot = slices.Clone(fallback), len(fallback) > 0
	}
	slices.Sort(f.Reference)
	n, _ := slices.BinarySearch(f.Reference, f.Dist2)
	if len(f.Reference) > 0 {
		f.Beyond = float64(n) / float64(len(f.Reference))
	}
	return f
}

// mean returns the mean of the vectors, leaving out index skip (−1: none).
func mean(v [][]float32, skip int) []float64 {
	m := make([]float64, len(v[0]))
	n := 0
	for i, x := range v {
		if i == skip {
			continue
		}
		for j, y := range x {
			m[j] += float64(y)
		}
		n++
	}
	for j := range m {
		m[j] /= float64(n)
	}
	return m
}

func dist2(a []float32, b []float64) float64 {
	var d float64
	for i, x := range a {
		e := float64(x) - b[i]
		d += e * e
	}
	return d
}

// Familiarity judges query against the classes support (28×28 images) by
// this network's embeddings: see Familiarity. It returns the errors
// Classify does for nothing to judge.
func (p *ProtoNet) Familiarity(support [][][]float32, query []float32) (Familiarity, error) {
	var flat [][]float32
	for _, c := range support {
		flat = append(flat, c...)
	}
	if len(flat) == 0 {
		return Familiarity{}, ErrNoClasses
	}
	if !hasInk(query) {
		return Familiarity{}, ErrEmptyQuery
	}
	embs, err := p.embed(flat, true)
	if err != nil {
		return Familiarity{}, err
	}
	q, err := p.embedQuery(query)
	if err != nil {
		return Familiarity{}, err
	}
	grouped := make([][][]float32, len(support))
	k := 0
	for c, ex := range support {
		grouped[c] = embs[k : k+len(ex)]
		k += len(ex)
	}
	return Judge(grouped, q, p.Reference), nil
}
