package main

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestThreadsLimit: every command with -threads refuses the same values —
// negative, or above maxThreads — as a usage error (exit 2) in one line.
func TestThreadsLimit(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	over := strconv.Itoa(maxThreads() + 1)
	for _, args := range [][]string{
		{"train", "-algo", "protonet", "-out", out, "-assets", testAssets},
		{"eval", "-algo", "protonet", "-assets", testAssets},
		{"classify", "-algo", "protonet", "-support", ".", "-query", "."},
		{"bench", "-workload", "A"},
	} {
		for _, n := range []string{"-1", over, "1000", "10000"} {
			a := append(append([]string{}, args...), "-threads", n)
			code, _, stderr := runCLI(a...)
			if code != 2 || !strings.Contains(stderr, "-threads "+n+": want 0 (one per CPU) to "+strconv.Itoa(maxThreads())) ||
				strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("%v: exit %d, stderr %q; want a one-line usage error about -threads", a, code, stderr)
			}
		}
	}
}

// TestAdaptationFlagLimits: -adapt-steps and -inner-lr out of range (NaN,
// infinite, negative, over the caps) are usage errors, for eval and
// classify alike.
func TestAdaptationFlagLimits(t *testing.T) {
	for _, cmd := range []string{"eval", "classify"} {
		for _, tc := range []struct{ flag, value, want string }{
			{"-adapt-steps", "-1", "-adapt-steps -1: want 0 to 10000"},
			{"-adapt-steps", "10001", "-adapt-steps 10001: want 0 to 10000"},
			{"-adapt-steps", "1000000000", "-adapt-steps 1000000000: want 0 to 10000"},
			{"-inner-lr", "NaN", "-inner-lr NaN: want a number above 0"},
			{"-inner-lr", "Inf", "-inner-lr +Inf: want a number above 0"},
			{"-inner-lr", "-0.1", "-inner-lr -0.1: want a number above 0"},
			{"-inner-lr", "0", "-inner-lr 0: want a number above 0"},
			{"-inner-lr", "11", "-inner-lr 11: want a number above 0 and at most 10"},
		} {
			args := []string{cmd, "-algo", "fomaml", "-assets", testAssets, tc.flag, tc.value}
			if cmd == "classify" {
				args = append(args, "-support", ".", "-query", ".")
			}
			code, _, stderr := runCLI(args...)
			if code != 2 || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("%v: exit %d, stderr %q; want exit 2 with %q", args, code, stderr, tc.want)
			}
		}
	}
}

// TestAdaptStepsZero: -adapt-steps 0 means no adaptation at all, not the
// model's default: on the same fixed episodes, a FOMAML model with a
// meta-learned head (the bundled fomaml, from a random start, whose head
// means nothing before adaptation) scores differently with 0 steps than with its default 10,
// and -adapt-steps 10 given explicitly scores as the default.
func TestAdaptStepsZero(t *testing.T) {
	model := filepath.Join(testAssets, "models", "fomaml.safetensors")
	acc := func(extra ...string) float64 {
		t.Helper()
		return evalJSON(t, append([]string{"-model", model, "-episodes", "3", "-seed", "5", "-threads", "1"}, extra...)...).Accuracy
	}
	def, none, ten := acc(), acc("-adapt-steps", "0"), acc("-adapt-steps", "10")
	if none == def {
		t.Errorf("-adapt-steps 0 scores %.2f%%, the same as the default steps: it did not turn adaptation off", none)
	}
	if ten != def {
		t.Errorf("-adapt-steps 10 scores %.2f%%, the default (10 steps) %.2f%%", ten, def)
	}
}

// TestEvalProtocol: the transductive protocol classifies the queries of an
// episode together (BatchNorm with their batch statistics), so it scores
// FOMAML differently from one query at a time, and says which it used.
func TestEvalProtocol(t *testing.T) {
	model := filepath.Join(testAssets, "models", "fomaml.safetensors")
	eval := func(protocol string) evalResult {
		t.Helper()
		r := evalJSON(t, "-model", model, "-episodes", "3", "-seed", "5", "-threads", "1", "-protocol", protocol)
		if r.Protocol != protocol {
			t.Errorf("-protocol %s: result says %q", protocol, r.Protocol)
		}
		return r
	}
	one, tr := eval("one"), eval("transductive")
	if one.Accuracy == tr.Accuracy {
		t.Errorf("both protocols score %.2f%%: the queries were not classified together", one.Accuracy)
	}
}

// evalJSON runs metaglot eval -json with args on the test assets and
// returns its result, failing the test if it does not succeed.
func evalJSON(t *testing.T, args ...string) evalResult {
	t.Helper()
	args = append([]string{"eval", "-json", "-assets", testAssets}, args...)
	code, stdout, stderr := runCLI(args...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	var r evalResult
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	return r
}
