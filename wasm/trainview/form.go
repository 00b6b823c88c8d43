package trainview

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"metaglot/wasm/trainer/protocol"
)

// Fields lists the form's fields by their protocol.Config JSON names, in
// the order the form shows them.
func Fields() []string {
	return []string{"algo", "way", "shot", "query", "lr", "inner_lr", "inner_steps", "meta_batch", "episodes", "eval_every", "init"}
}

// ReadForm turns the form's text fields (get returns the value of a field
// named as in Fields) into a Config and checks it against lim. It returns
// the Config and nil, or a *protocol.FieldError naming the first field that
// is not a number or not possible.
func ReadForm(get func(field string) string, lim protocol.Limits) (protocol.Config, error) {
	algo := strings.TrimSpace(get("algo"))
	c := protocol.Defaults(algo)
	c.Algo = algo
	c.Init = strings.TrimSpace(get("init"))
	ints := []struct {
		field string
		dst   *int
		what  string
	}{
		{"way", &c.Way, "N"}, {"shot", &c.Shot, "K"}, {"query", &c.Query, "Q"},
		{"inner_steps", &c.InnerSteps, "inner steps"}, {"meta_batch", &c.MetaBatch, "meta-batch"},
		{"episodes", &c.Episodes, "episodes"}, {"eval_every", &c.EvalEvery, "held-out every"},
	}
	floats := []struct {
		field string
		dst   *float64
		what  string
	}{{"lr", &c.LR, "learning rate"}, {"inner_lr", &c.InnerLR, "inner learning rate"}}
	head := algo != "protonet"
	for _, f := range ints {
		if !head && (f.field == "inner_steps" || f.field == "meta_batch") {
			continue // ProtoNet: one episode per step, no inner loop
		}
		s := strings.TrimSpace(get(f.field))
		v, err := strconv.Atoi(s)
		if err != nil {
			return c, &protocol.FieldError{Field: f.field, Msg: fmt.Sprintf("%s %q is not a whole number", f.what, s)}
		}
		*f.dst = v
	}
	for _, f := range floats {
		if !head && f.field == "inner_lr" {
			continue
		}
		s := strings.TrimSpace(get(f.field))
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return c, &protocol.FieldError{Field: f.field, Msg: fmt.Sprintf("%s %q is not a number (write 0.001 or 1e-3)", f.what, s)}
		}
		*f.dst = v
	}
	if err := c.Check(lim); err != nil {
		return c, err
	}
	return c, nil
}

// FieldOf returns the field an error of ReadForm names, or "".
func FieldOf(err error) string {
	var fe *protocol.FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}
