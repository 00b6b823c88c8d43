package modelfile

import (
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	m := Meta{
		Kind:        KindCheckpoint,
		Config:      Config{Algo: "fomaml", Split: "vinyals", Way: 5, Shot: 1, Query: 15, Episodes: 800, LR: 1e-3, InnerSteps: 1, InnerLR: 0.4, AdaptSteps: 10, MetaBatch: 8, ProtoHead: true, Seed: 7, CheckpointEvery: 100, Init: "protonet.safetensors (protonet, 12 episodes, sha256 0011)"},
		Episodes:    400,
		Seconds:     12.5,
		Threads:     3,
		Description: "a test",
	}
	enc := m.Encode()
	if enc["metaglot"] != "checkpoint" || enc["algo"] != "fomaml" || enc["episodes"] != "400" || enc["wall_seconds"] != "12.5" || enc["threads"] != "3" {
		t.Fatalf("metadata %v", enc)
	}
	for _, key := range []string{`"inner_lr":0.4`, `"proto_head":true`, `"lr_halve_every":0`, `"init":"protonet.safetensors`} {
		if !strings.Contains(enc["config"], key) {
			t.Errorf("config %s lacks %s", enc["config"], key)
		}
	}
	got, err := Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	if got != m {
		t.Errorf("decoded %+v, want %+v", got, m)
	}
	// No init and no description: both stay out of the file.
	m.Config.Init, m.Description = "", ""
	if enc := m.Encode(); strings.Contains(enc["config"], "init") || enc["description"] != "" {
		t.Errorf("empty init or description written: %v", enc)
	}
}

func TestDecodeErrors(t *testing.T) {
	good := Meta{Kind: KindModel, Config: Config{Algo: "protonet"}, Episodes: 3, Seconds: 1}.Encode()
	for _, tc := range []struct {
		key, value, want string
	}{
		{"metaglot", "", `no "metaglot" metadata`},
		{"metaglot", "weights", `no "metaglot" metadata`},
		{"config", "{", `bad "config"`},
		{"episodes", "-1", `bad "episodes"`},
		{"episodes", "many", `bad "episodes"`},
		{"wall_seconds", "", `bad "wall_seconds"`},
		{"algo", "reptile", `disagrees`},
		{"threads", "0", `bad "threads"`},
		{"threads", "two", `bad "threads"`},
	} {
		meta := map[string]string{}
		for k, v := range good {
			meta[k] = v
		}
		meta[tc.key] = tc.value
		if _, err := Decode(meta); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s=%q: error %v, want one containing %q", tc.key, tc.value, err, tc.want)
		}
	}
}

// TestThreadsUnknown: files of older versions record no threads; they
// decode with Threads 0, and Encode leaves an unknown count out.
func TestThreadsUnknown(t *testing.T) {
	enc := Meta{Kind: KindCheckpoint, Config: Config{Algo: "protonet"}, Episodes: 3}.Encode()
	if _, ok := enc["threads"]; ok {
		t.Errorf("unknown threads written: %v", enc)
	}
	m, err := Decode(enc)
	if err != nil || m.Threads != 0 {
		t.Errorf("Decode = %+v, %v; want Threads 0", m, err)
	}
}

func TestInit(t *testing.T) {
	in := Init{File: "proto net.safetensors", Algo: "protonet", Episodes: 10408, SHA256: []byte{0x40, 0x13, 0xf8}}
	s := in.String()
	if s != "proto net.safetensors (protonet, 10408 episodes, sha256 4013f8)" {
		t.Errorf("String() = %q", s)
	}
	got, err := ParseInit(s)
	if err != nil {
		t.Fatal(err)
	}
	if got.File != in.File || got.Algo != in.Algo || got.Episodes != in.Episodes || string(got.SHA256) != string(in.SHA256) {
		t.Errorf("ParseInit(%q) = %+v, want %+v", s, got, in)
	}
	for _, bad := range []string{"", "model.safetensors", "m (protonet 3 episodes, sha256 00)", "m (protonet, x episodes, sha256 00)", "m (protonet, 3 episodes, sha256 zz)"} {
		if _, err := ParseInit(bad); err == nil {
			t.Errorf("ParseInit(%q) succeeded", bad)
		}
	}
}
