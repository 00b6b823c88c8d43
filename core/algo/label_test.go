package algo_test

import (
	"testing"

	"metaglot/core/algo"
	_ "metaglot/core/algo/all"
	"metaglot/core/modelfile"
)

func TestModelLabel(t *testing.T) {
	fromProto := modelfile.Init{Algo: "protonet", File: "protonet.safetensors", Episodes: 4000, SHA256: []byte{1, 2, 3, 4}}.String()
	for _, c := range []struct {
		name string
		cfg  *modelfile.Config
		want string
	}{
		{"protonet", nil, "ProtoNet"},
		{"fomaml", nil, "FOMAML"},
		{"fomaml", &modelfile.Config{}, "FOMAML"},
		{"fomaml", &modelfile.Config{ProtoHead: true}, "fo-Proto-MAML"},
		{"reptile", &modelfile.Config{Init: fromProto}, "Reptile from ProtoNet"},
		{"protonet", &modelfile.Config{Init: fromProto}, "ProtoNet"},
		{"nosuch", nil, "nosuch"},
	} {
		if got := algo.ModelLabel(c.name, c.cfg); got != c.want {
			t.Errorf("ModelLabel(%q, %+v) = %q, want %q", c.name, c.cfg, got, c.want)
		}
	}
}
