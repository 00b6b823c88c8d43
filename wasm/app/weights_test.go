package app

import "testing"

func TestTrainedNote(t *testing.T) {
	for _, tc := range []struct {
		meta map[string]string
		want string
	}{
		{nil, "Trained ProtoNet weights."},
		{map[string]string{"episodes": "12"}, "Trained ProtoNet weights (12 training episodes)."},
		{map[string]string{"episodes": "4000", "config": `{"algo":"protonet","init":"p.safetensors (protonet, 10408 episodes, sha256 4013f8)"}`},
			"Trained ProtoNet weights (4000 training episodes, started from protonet weights of 10408 episodes)."},
		{map[string]string{"episodes": "4000", "config": `{"init":"something else"}`}, "Trained ProtoNet weights (4000 training episodes)."},
		{map[string]string{"episodes": "4000", "config": `{`}, "Trained ProtoNet weights (4000 training episodes)."},
	} {
		if got := TrainedNote("ProtoNet", tc.meta); got != tc.want {
			t.Errorf("TrainedNote(%v) = %q, want %q", tc.meta, got, tc.want)
		}
	}
}
