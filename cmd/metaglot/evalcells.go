package main

import (
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// evalTableText lists the cells of the README's accuracy table
// (evaltable.txt: a model, "all" or "slow", the flags of metaglot eval).
//
//go:embed evaltable.txt
var evalTableText string

// evalCell is one cell of the accuracy table.
type evalCell struct {
	model string
	slow  bool   // counts EVAL_SLOW episodes instead of EVAL_EPISODES
	flags string // of metaglot eval
}

// parseEvalTable reads an evaltable.txt text: "#" comments, blank lines,
// and cells "MODEL all|slow FLAGS...". It returns an error naming the
// line of a malformed cell.
func parseEvalTable(text string) ([]evalCell, error) {
	var out []evalCell
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 3 || (f[1] != "all" && f[1] != "slow") {
			return nil, fmt.Errorf("evaltable line %d: want MODEL all|slow FLAGS", i+1)
		}
		out = append(out, evalCell{model: f[0], slow: f[1] == "slow", flags: strings.Join(f[2:], " ")})
	}
	return out, nil
}

func evalCellsCommand() command {
	return command{name: "evalcells", summary: "print the cells of the README's accuracy table for a model (make evaltable runs them)", run: runEvalCells}
}

func runEvalCells(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("evalcells", "[-episodes N] [-slow M] MODEL", stderr)
	episodes := fs.Int("episodes", 1000, "episodes of a cell")
	slow := fs.Int("slow", 1000, "episodes of a cell that is slow on a CPU (5-shot and 20-way cells of the adapting learners)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError{err}
	}
	if fs.NArg() != 1 {
		return usagef("want one model name")
	}
	cells, err := parseEvalTable(evalTableText)
	if err != nil {
		return err
	}
	models := map[string]bool{}
	n := 0
	for _, c := range cells {
		models[c.model] = true
		if c.model != fs.Arg(0) {
			continue
		}
		e := *episodes
		if c.slow {
			e = *slow
		}
		fmt.Fprintf(stdout, "%d %s\n", e, c.flags)
		n++
	}
	if n == 0 {
		var names []string
		for m := range models {
			names = append(names, m)
		}
		sort.Strings(names)
		return usagef("no cells for model %q: want one of %s", fs.Arg(0), strings.Join(names, ", "))
	}
	return nil
}
