package learn

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
)

// Eval is one measured cell of the accuracy table: a model evaluated on
// Omniglot test episodes of Way classes and Shot examples each.
type Eval struct {
	// Model names the results file, bench/eval-<Model>.jsonl ("protonet",
	// "fomaml-scratch-supportbn", ...).
	Model string `json:"model"`
	// Algo is the algorithm of the model (core/algo's name).
	Algo string `json:"algo"`
	Way  int    `json:"way"`
	Shot int    `json:"shot"`
	// Episodes is how many test episodes were averaged.
	Episodes int `json:"episodes"`
	// Accuracy and CI95 are in percent: the mean query accuracy and the
	// half-width of its 95% confidence interval.
	Accuracy float64 `json:"accuracy"`
	CI95     float64 `json:"ci95"`
	// Extra holds the evaluation's flags beyond the model, way, shot and
	// the default protocol ("-proto-head -inner-lr 0.1 -adapt-steps 5",
	// "-protocol transductive"); "" for the plain evaluation.
	Extra string `json:"extra,omitempty"`
}

//go:embed evals.json
var evalsJSON []byte

// Evals returns the embedded accuracy table (evals.json, which the mkevals
// tool makes from bench/eval-*.jsonl), in file and line order.
func Evals() []Eval {
	var out []Eval
	if err := json.Unmarshal(evalsJSON, &out); err != nil {
		panic("learn: evals.json: " + err.Error()) // a build error: TestEvalsUpToDate
	}
	return out
}

// ConvertEvals reads evaluation results files (name: bench/eval-X.jsonl,
// contents: one `metaglot eval` record per line) into the table, sorted by
// file name then line. A line that does not parse is an error naming the
// file and line.
func ConvertEvals(files map[string][]byte) ([]Eval, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	var out []Eval
	for _, name := range names {
		model := strings.TrimSuffix(strings.TrimPrefix(path.Base(name), "eval-"), ".jsonl")
		sc := bufio.NewScanner(bytes.NewReader(files[name]))
		sc.Buffer(nil, 1<<20)
		line := 0
		for sc.Scan() {
			line++
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			var rec struct {
				Flags  string `json:"flags"`
				Result struct {
					Algo     string   `json:"algo"`
					Protocol string   `json:"protocol"`
					Way      int      `json:"way"`
					Shot     int      `json:"shot"`
					Episodes int      `json:"episodes"`
					Accuracy *float64 `json:"accuracy"`
					CI95     float64  `json:"ci95"`
				} `json:"result"`
			}
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				return nil, fmt.Errorf("%s:%d: %v", name, line, err)
			}
			r := rec.Result
			if r.Protocol == "instances" {
				// Accuracy by presentation of a class (a MANN's
				// sequence protocol): not an N-way K-shot cell.
				continue
			}
			if r.Algo == "" || r.Way < 2 || r.Shot < 1 || r.Accuracy == nil {
				return nil, fmt.Errorf("%s:%d: not an evaluation record (algo, way ≥ 2, shot ≥ 1 and accuracy needed)", name, line)
			}
			out = append(out, Eval{Model: model, Algo: r.Algo, Way: r.Way, Shot: r.Shot, Episodes: r.Episodes,
				Accuracy: *r.Accuracy, CI95: r.CI95, Extra: extraFlags(rec.Flags)})
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
	}
	return out, nil
}

// extraFlags drops from an eval command line the flags every row has
// (-model, -algo, -way, -shot, -protocol one).
func extraFlags(flags string) string {
	f := strings.Fields(flags)
	var keep []string
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case "-model", "-algo", "-way", "-shot":
			i++
			continue
		case "-protocol":
			if i+1 < len(f) && f[i+1] == "one" {
				i++
				continue
			}
		}
		keep = append(keep, f[i])
	}
	return strings.Join(keep, " ")
}

// Bundled are the models the page classifies with (assets/models/<name>),
// one per algorithm, in the page's menu order.
var Bundled = []string{"protonet", "fomaml", "reptile"}

// Headline returns, for each bundled model (Bundled), the table's row for
// Way×Shot with the fewest extra flags (the plain evaluation when there is
// one), and ok false when no bundled model was measured at that size: the
// table has 5- and 20-way, 1- and 5-shot cells only.
func Headline(table []Eval, way, shot int) (rows []Eval, ok bool) {
	for _, m := range Bundled {
		best := -1
		for i, e := range table {
			if e.Model != m || e.Way != way || e.Shot != shot {
				continue
			}
			if best < 0 || len(strings.Fields(e.Extra)) < len(strings.Fields(table[best].Extra)) {
				best = i
			}
		}
		if best >= 0 {
			rows = append(rows, table[best])
		}
	}
	return rows, len(rows) > 0
}

// Transductive returns the row of table that measured e's model, size and
// settings under the transductive protocol (-protocol transductive: the
// queries of an episode normalised together, as the MAML paper reports),
// and ok false when there is none. e itself is one query at a time, as the
// page classifies.
func Transductive(table []Eval, e Eval) (Eval, bool) {
	for _, t := range table {
		if t.Model != e.Model || t.Way != e.Way || t.Shot != e.Shot {
			continue
		}
		f := strings.Fields(t.Extra)
		i := slices.Index(f, "-protocol")
		if i < 0 || i+1 >= len(f) || f[i+1] != "transductive" {
			continue
		}
		if slices.Equal(slices.Delete(f, i, i+2), strings.Fields(e.Extra)) {
			return t, true
		}
	}
	return Eval{}, false
}

// Sizes returns the (way, shot) pairs the table measured, ascending.
func Sizes(table []Eval) [][2]int {
	var out [][2]int
	for _, e := range table {
		p := [2]int{e.Way, e.Shot}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b [2]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return a[1] - b[1]
	})
	return out
}

// EncodeEvals is evals.json's format: one row per line.
func EncodeEvals(table []Eval) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("[\n")
	for i, e := range table {
		row, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		b.Write(row)
		if i < len(table)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]\n")
	return b.Bytes(), nil
}
