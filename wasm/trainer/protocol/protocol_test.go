package protocol

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	lim := Limits{TrainClasses: 4800, TestClasses: 1692}
	for _, algo := range Algorithms() {
		if err := Defaults(algo).Check(lim); err != nil {
			t.Errorf("Defaults(%s): %v", algo, err)
		}
	}
	change := func(algo string, f func(*Config)) Config {
		c := Defaults(algo)
		f(&c)
		return c
	}
	for _, tc := range []struct {
		name  string
		c     Config
		field string
		msg   string
	}{
		{"unknown algo", change("protonet", func(c *Config) { c.Algo = "sgd" }), "algo", "unknown algorithm"},
		{"one class", change("protonet", func(c *Config) { c.Way = 1 }), "way", "at least 2"},
		{"N beyond training split", change("protonet", func(c *Config) { c.Way = 4801 }), "way", "only 4800 classes"},
		{"N beyond held-out split", change("protonet", func(c *Config) { c.Way = 2000 }), "way", "only 1692 classes"},
		{"no shot", change("protonet", func(c *Config) { c.Shot = 0 }), "shot", "at least 1"},
		{"no query", change("fomaml", func(c *Config) { c.Query = 0 }), "query", "at least 1"},
		{"K+Q > 20", change("protonet", func(c *Config) { c.Shot, c.Query = 5, 16 }), "query", "K + Q = 21"},
		{"negative lr", change("protonet", func(c *Config) { c.LR = -1e-3 }), "lr", "positive"},
		{"zero lr", change("reptile", func(c *Config) { c.LR = 0 }), "lr", "positive"},
		{"NaN lr", change("protonet", func(c *Config) { c.LR = math.NaN() }), "lr", "positive"},
		{"infinite lr", change("protonet", func(c *Config) { c.LR = math.Inf(1) }), "lr", "positive"},
		{"negative inner lr", change("fomaml", func(c *Config) { c.InnerLR = -0.4 }), "inner_lr", "positive"},
		{"no inner steps", change("reptile", func(c *Config) { c.InnerSteps = 0 }), "inner_steps", "choose 1 to 100"},
		{"meta-batch 0", change("fomaml", func(c *Config) { c.MetaBatch = 0 }), "meta_batch", "choose 1 to 64"},
		{"no episodes", change("protonet", func(c *Config) { c.Episodes = 0 }), "episodes", "choose 1"},
		{"negative eval", change("protonet", func(c *Config) { c.EvalEvery = -1 }), "eval_every", "0 (never)"},
		{"unknown init", change("protonet", func(c *Config) { c.Init = "yesterday" }), "init", "scratch, bundled or current"},
	} {
		err := tc.c.Check(lim)
		var fe *FieldError
		if !errors.As(err, &fe) {
			t.Errorf("%s: error %v, want a *FieldError", tc.name, err)
			continue
		}
		if fe.Field != tc.field || !strings.Contains(fe.Msg, tc.msg) {
			t.Errorf("%s: %q: %q, want field %q and a message with %q", tc.name, fe.Field, fe.Msg, tc.field, tc.msg)
		}
	}
	// ProtoNet ignores the inner-loop settings; held-out N may exceed the
	// held-out split when held-out accuracy is off.
	c := change("protonet", func(c *Config) { c.InnerLR, c.InnerSteps = -1, -1 })
	if err := c.Check(lim); err != nil {
		t.Errorf("protonet with inner settings: %v", err)
	}
	c = change("protonet", func(c *Config) { c.Way, c.EvalEvery = 2000, 0 })
	if err := c.Check(lim); err != nil {
		t.Errorf("N = 2000 without held-out accuracy: %v", err)
	}
}

func TestEvalDue(t *testing.T) {
	c := Config{EvalEvery: 10}
	for _, tc := range []struct {
		prev, done int
		want       bool
	}{{0, 1, false}, {9, 10, true}, {10, 11, false}, {8, 12, true}, {19, 21, true}} {
		if got := c.EvalDue(tc.prev, tc.done); got != tc.want {
			t.Errorf("EvalDue(%d, %d) = %v, want %v", tc.prev, tc.done, got, tc.want)
		}
	}
	if (Config{}).EvalDue(0, 100) {
		t.Error("EvalEvery 0 is never due")
	}
}

func TestDecodeCommand(t *testing.T) {
	c := Defaults("fomaml")
	got, err := DecodeCommand(Encode(Command{Type: CmdStart, Config: &c}))
	if err != nil || got.Type != CmdStart || *got.Config != c {
		t.Errorf("round trip: %+v, %v", got, err)
	}
	for _, s := range []string{"", "{", `{"config":{}}`, `{"type":"start","config":{"way":"five"}}`} {
		if _, err := DecodeCommand(s); err == nil {
			t.Errorf("DecodeCommand(%q): no error", s)
		}
	}
}
