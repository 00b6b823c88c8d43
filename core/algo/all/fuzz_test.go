package all_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"metaglot/core/algo"
	"metaglot/core/modelfile"
)

// FuzzCheck: for any config (as a model file's JSON holds it), Check never
// panics, and a config it accepts builds its algorithm's parameters and
// learner, and every setting survives Format and Parse.
func FuzzCheck(f *testing.F) {
	for _, s := range algo.All() {
		for _, c := range []modelfile.Config{s.Defaults, s.Quick} {
			b, _ := json.Marshal(c)
			f.Add(b)
		}
	}
	f.Add([]byte(`{"algo":"fomaml","way":5000,"shot":1,"query":0}`))
	f.Add([]byte(`{"algo":"reptile","bn":"transductive","proto_head":true}`))
	f.Add([]byte(`{"algo":"fomaml","split":"vinyals","way":5,"shot":1,"query":1,"episodes":10,"lr":0.001,"inner_steps":1,"inner_lr":0.4,"adapt_steps":10,"meta_batch":32,"net":"conv4s2","seed":1,"checkpoint_every":1,"val_episodes":1}`))
	f.Add([]byte(`{"algo":"protonet","split":"vinyals","way":5,"shot":1,"query":1,"episodes":10,"lr":0.001,"meta_batch":1,"net":"conv4s3","seed":1,"checkpoint_every":1,"val_episodes":1}`))
	f.Add([]byte(`{"algo":"mann","split":"vinyals","way":15,"shot":9,"query":1,"episodes":16,"lr":0.001,"meta_batch":16,"seed":1,"checkpoint_every":1,"val_episodes":1,"labels":"string"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var c modelfile.Config
		if json.Unmarshal(b, &c) != nil {
			return
		}
		if algo.Check(c) != nil {
			return
		}
		s, err := algo.Lookup(c.Algo)
		if err != nil {
			t.Fatalf("Check accepted algorithm %q that Lookup refuses", c.Algo)
		}
		p := s.NewParams(c, rand.New(rand.NewPCG(1, 2)))
		if _, err := s.New(c, p, nil); err != nil {
			t.Fatalf("Check accepted %+v, but New fails: %v", c, err)
		}
		for _, st := range algo.Settings() {
			var d modelfile.Config
			if err := st.Parse(&d, st.Format(c)); err != nil || !st.Equal(c, d) {
				t.Fatalf("%s: %q does not read back (%v)", st.Name, st.Format(c), err)
			}
		}
	})
}
