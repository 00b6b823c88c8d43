package main

import (
	"strings"
	"testing"
)

// Every cell of the accuracy table is valid eval flags, and evalcells
// prints a model's cells with their episodes.
func TestEvalCells(t *testing.T) {
	cells, err := parseEvalTable(evalTableText)
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) < 40 {
		t.Errorf("%d cells, want the table's 40 or more", len(cells))
	}
	for _, c := range cells {
		args := append([]string{"eval"}, strings.Fields(c.flags)...)
		if code, _, stderr := runCLI(append(args, "-h")...); code != 0 {
			t.Errorf("%s cell %q: not eval flags: %s", c.model, c.flags, stderr)
		}
	}
	code, stdout, _ := runCLI("evalcells", "-episodes", "7", "-slow", "3", "fomaml-supportbn")
	want := "7 -model assets/models/fomaml-supportbn.safetensors -way 5 -shot 1\n3 -model assets/models/fomaml-supportbn.safetensors -way 5 -shot 5\n"
	if code != 0 || !strings.HasPrefix(stdout, want) || strings.Count(stdout, "\n") != 4 {
		t.Errorf("evalcells fomaml-supportbn: exit %d, %q", code, stdout)
	}
	if code, _, stderr := runCLI("evalcells", "svm"); code != 2 || !strings.Contains(stderr, `no cells for model "svm"`) {
		t.Errorf("evalcells svm: exit %d, %q", code, stderr)
	}
	if _, err := parseEvalTable("protonet fast -way 5"); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("bad kind: %v", err)
	}
}
