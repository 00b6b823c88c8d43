package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestBenchUsage(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "-workload", "C"},
		{"bench", "-n", "4"},
		{"bench", "-threads", "-1"},
		{"bench", "extra"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", args, code, errb.String())
		}
	}
}

func TestBenchJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("runs workload A 22 times")
	}
	var out, errb bytes.Buffer
	if code := run([]string{"bench", "-workload", "A", "-threads", "1", "-json"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	line := strings.TrimSpace(out.String())
	for _, want := range []string{`"workload":"A"`, `"threads":1`, `"ms":`, `"images_per_s":`} {
		if !strings.Contains(line, want) {
			t.Errorf("output %s lacks %s", line, want)
		}
	}
	if strings.Count(out.String(), "\n") != 1 {
		t.Errorf("want one line, got %q", out.String())
	}
}
