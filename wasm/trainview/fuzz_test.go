package trainview

import (
	"strings"
	"testing"

	"metaglot/core/algo"
)

// FuzzRead: whatever the fields hold, Read returns a run algo.Check
// accepts, or a *FieldError naming a field of the form with a message.
func FuzzRead(f *testing.F) {
	f.Add("fomaml", "5", "1", "0.4", "running", "true", "bundled")
	f.Add("protonet", "20", "5", "1e-3", "", "false", "scratch")
	f.Add("reptile", "-1", "x", "NaN", "support", "maybe", "current")
	f.Add("mann", "5000", "19", "Inf", "transductive", "1", "")
	f.Fuzz(func(t *testing.T, a, way, shot, lr, bn, proto, init string) {
		form := formValues(NewForm(a, 1))
		form["algo"], form["way"], form["shot"], form["lr"], form["inner_lr"], form["bn"], form["proto_head"], form["init"] = a, way, shot, lr, lr, bn, proto, init
		st, err := Read(func(n string) string { return form[n] })
		if err == nil {
			if e := algo.Check(st.Config); e != nil {
				t.Fatalf("Read accepted %+v, which algo.Check refuses: %v", st.Config, e)
			}
			return
		}
		if FieldID(FieldOf(err)) == "" || err.Error() == "" || strings.Contains(err.Error(), "\n") {
			t.Fatalf("error %q names field %q, not one of the form's", err, FieldOf(err))
		}
	})
}
