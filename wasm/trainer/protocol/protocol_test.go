package protocol

import (
	"testing"

	"metaglot/core/modelfile"
)

// A start command carries every setting of a run (a modelfile.Config, as
// metaglot train's flags) and where it starts, through JSON.
func TestDecodeCommand(t *testing.T) {
	c := modelfile.Config{Algo: "fomaml", Split: "vinyals", Way: 5, Shot: 1, Query: 5, Episodes: 1000, LR: 1e-4,
		LRHalve: 500, InnerSteps: 1, InnerLR: 0.003, AdaptSteps: 10, MetaBatch: 8, ProtoHead: true, BN: "running",
		Seed: 7, CheckpointEvery: 100, ValEvery: 100, ValEpisodes: 20}
	got, err := DecodeCommand(Encode(Command{Type: CmdStart, Config: &c, Init: InitBundled}))
	if err != nil || got.Type != CmdStart || *got.Config != c || got.Init != InitBundled {
		t.Errorf("round trip: %+v, %v", got, err)
	}
	for _, s := range []string{"", "{", `{"config":{}}`, `{"type":"start","config":{"way":"five"}}`} {
		if _, err := DecodeCommand(s); err == nil {
			t.Errorf("DecodeCommand(%q): no error", s)
		}
	}
}
