package trainer

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"metaglot/core/checkpoint"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/nn"
	"metaglot/core/tensor"
	"metaglot/wasm/trainer/protocol"
)

func TestWeightsRoundTrip(t *testing.T) {
	tr := newTrainer(t, loadData(t))
	if _, err := tr.Weights(); err == nil {
		t.Error("Weights with none yet: no error")
	}
	c := small("fomaml")
	c.MetaBatch, c.InnerSteps, c.Episodes = 1, 1, 2
	if err := tr.Start(c, "", nil); err != nil {
		t.Fatal(err)
	}
	for tr.State() == protocol.Running {
		if _, _, err := tr.Step(); err != nil {
			t.Fatal(err)
		}
	}
	b, err := tr.Weights()
	if err != nil {
		t.Fatal(err)
	}
	w, err := ParseWeights(b)
	if err != nil {
		t.Fatal(err)
	}
	if w.Algo != "fomaml" || w.Way != 5 || w.Episodes != 2 || !sameValues(w.Params, tr.Current().Params) {
		t.Errorf("round trip: algo %q way %d episodes %d, same values %v", w.Algo, w.Way, w.Episodes, sameValues(w.Params, tr.Current().Params))
	}
	// The metadata is what metaglot train writes (cmd/metaglot's runMeta).
	_, meta, err := checkpoint.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	var fc map[string]any
	if err := json.Unmarshal([]byte(meta["config"]), &fc); err != nil {
		t.Fatalf("config metadata %q: %v", meta["config"], err)
	}
	if meta["metaglot"] != "model" || meta["algo"] != "fomaml" || meta["episodes"] != "2" || fc["algo"] != "fomaml" || fc["way"] != 5.0 || fc["split"] != "vinyals" || fc["inner_lr"] != 0.4 {
		t.Errorf("metadata %v", meta)
	}
}

func TestParseBundledModel(t *testing.T) {
	b, err := os.ReadFile("../../assets/models/protonet.safetensors")
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("no bundled ProtoNet model in this checkout")
	}
	if err != nil {
		t.Fatal(err)
	}
	w, err := ParseWeights(b)
	if err != nil {
		t.Fatal(err)
	}
	if w.Algo != "protonet" || w.Way != 0 || w.Episodes <= 0 {
		t.Errorf("bundled model: algo %q way %d episodes %d", w.Algo, w.Way, w.Episodes)
	}
}

func encode(t *testing.T, s *tensor.Set, meta map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := checkpoint.Encode(&buf, s, meta); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseWeightsRefuses(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	good := encode(t, learner.NewHeadNetParams(rng, 5), nil)
	missing := nn.NewConv4Params(rng)
	lessened := &tensor.Set{}
	for i := range missing.Len() - 1 {
		lessened.Add(missing.At(i))
	}
	wide := nn.NewConv4Params(rng)
	wide.Add("encoder.4.0.weight", tensor.New(64, 64, 3, 3))
	misshapen := learner.NewHeadNetParams(rng, 5)
	misshapen.Add("head.extra", tensor.New(3))
	for _, tc := range []struct {
		name string
		data []byte
		msg  string
	}{
		{"empty", nil, "too short"},
		{"text", []byte("this is not a weights file at all"), "not a usable weights file"},
		{"truncated", good[:len(good)-100], "not a usable weights file"},
		{"missing tensor", encode(t, lessened, nil), "missing from the checkpoint"},
		{"extra block", encode(t, wide, nil), "in the checkpoint but not the model"},
		{"extra head tensor", encode(t, misshapen, nil), "in the checkpoint but not the model"},
		{"one head tensor", encode(t, func() *tensor.Set {
			s := nn.NewConv4Params(rng)
			s.Add("head.weight", tensor.New(5, 64))
			return s
		}(), nil), "no linear head"},
	} {
		_, err := ParseWeights(tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.msg)
		}
	}
}

func TestLoadKeepsCurrentWeightsOnError(t *testing.T) {
	tr := newTrainer(t, loadData(t))
	rng := rand.New(rand.NewPCG(3, 4))
	conv := nn.NewConv4Params(rng)
	w, err := tr.Load(encode(t, conv, nil))
	if err != nil {
		t.Fatal(err)
	}
	if w.Algo != "protonet" || tr.Current() != w || !sameValues(w.Params, conv) {
		t.Fatalf("loaded: algo %q, current %p, want %p with the file's values", w.Algo, tr.Current(), w)
	}
	if _, err := tr.Load([]byte("garbage")); err == nil {
		t.Error("Load of garbage: no error")
	}
	if tr.Current() != w || !sameValues(tr.Current().Params, conv) {
		t.Error("a failed Load changed the current weights")
	}
	// Training from the loaded weights starts from them; a run refuses
	// loads until it stops.
	c := small("protonet")
	if err := tr.Start(c, protocol.InitCurrent, nil); err != nil {
		t.Fatal(err)
	}
	if !sameValues(tr.Current().Params, conv) {
		t.Error("run from the loaded weights does not start from them")
	}
	if _, err := tr.Load(encode(t, conv, nil)); err == nil {
		t.Error("Load during a run: no error")
	}
}

func TestStartFromWeightsWithHead(t *testing.T) {
	ds := loadData(t)
	rng := rand.New(rand.NewPCG(5, 6))
	fomaml := &Weights{Params: learner.NewHeadNetParams(rng, 5), Algo: "fomaml", Way: 5}
	protonet := &Weights{Params: nn.NewConv4Params(rng), Algo: "protonet"}

	c := small("fomaml")
	c.Way = 10
	err := newTrainer(t, ds).Start(c, protocol.InitBundled, fomaml)
	var fe *protocol.FieldError
	if !errors.As(err, &fe) || fe.Field != "way" || !strings.Contains(fe.Msg, "choose N = 5") {
		t.Errorf("10-way FOMAML from 5-way weights: %v, want a way error suggesting N = 5", err)
	}
	// A Conv4 without head gets a fresh head, and says so.
	tr := newTrainer(t, ds)
	if err := tr.Start(c, protocol.InitBundled, protonet); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tr.Note(), "fresh 10-way head") || tr.Current().Way != 10 {
		t.Errorf("FOMAML from a Conv4: note %q, way %d", tr.Note(), tr.Current().Way)
	}
	if got, want := tr.Current().Params.Get("encoder.2.0.weight").Data, protonet.Params.Get("encoder.2.0.weight").Data; got[7] != want[7] {
		t.Error("FOMAML from a Conv4 does not start from its Conv4 weights")
	}
	// ProtoNet from a network with a head keeps the Conv4 and drops the head.
	c = small("protonet")
	tr = newTrainer(t, ds)
	if err := tr.Start(c, protocol.InitBundled, fomaml); err != nil {
		t.Fatal(err)
	}
	if tr.Current().Params.Has("head.weight") || tr.Current().Way != 0 {
		t.Error("ProtoNet from FOMAML weights kept the head")
	}
	// No weights to start from.
	if err := newTrainer(t, ds).Start(c, protocol.InitBundled, nil); !errors.As(err, &fe) || fe.Field != "init" {
		t.Errorf("bundled start without bundled weights: %v, want an init error", err)
	}
}

// TestParseWeightsPyTorch: a Conv4 saved from PyTorch's state_dict() with
// learn2learn's names and num_batches_tracked (cmd/metaglot/testdata)
// loads as a 5-way network.
func TestParseWeightsPyTorch(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "cmd", "metaglot", "testdata", "torch_l2l_cnn4.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := ParseWeights(data)
	if err != nil {
		t.Fatal(err)
	}
	if w.Way != 5 || !w.Params.Has("encoder.3.1.running_var") {
		t.Errorf("way %d, running_var %v", w.Way, w.Params.Has("encoder.3.1.running_var"))
	}
}

// Continuing a bundled FOMAML with its recorded recipe (the settings its
// file's metadata holds, as the page's form shows them) trains what
// metaglot train trained. fo-Proto-MAML's file stands in for the bundled
// one here (the worker names it by its algorithm, fomaml.safetensors), for
// its recipe exercises the most settings: the prototype head (no head
// tensors), the ProtoNet's running BatchNorm statistics left as they are,
// Adam 1e-4;
// the file the page then writes records that recipe and where it started.
// Every setting metaglot train has goes through the worker's start
// command.
func TestContinueBundledWithItsRecipe(t *testing.T) {
	data, err := os.ReadFile("../../assets/models/fo-proto-maml.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	bundled, err := ParseWeights(data)
	if err != nil {
		t.Fatal(err)
	}
	if bundled.Config == nil || !bundled.Config.ProtoHead || bundled.Config.BN != "running" || bundled.Config.LR != 1e-4 {
		t.Fatalf("fo-Proto-MAML's recorded recipe: %+v", bundled.Config)
	}
	c := *bundled.Config
	c.Episodes, c.MetaBatch, c.ValEvery, c.LRHalve = 2, 2, 0, 1 // a short continuation; lr halved after each episode
	c.Init = ""
	ds := loadData(t)
	clk := &clock{t: time.Unix(0, 0), step: time.Millisecond}
	tr, err := New(ds, nil, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	l := NewLoop(tr, clk.now)
	l.Bundled = func(string) (*Weights, error) { return bundled, nil }
	ev := l.Handle(protocol.Command{Type: protocol.CmdStart, Config: &c, Init: protocol.InitBundled})
	if len(ev) != 1 || ev[0].State != protocol.Running {
		t.Fatalf("start: %+v", ev)
	}
	mean := tr.Current().Params.Get("encoder.0.1.running_mean").Clone()
	for l.Busy() {
		l.Work(time.Second)
	}
	if tr.State() != protocol.Finished || tr.Current().Params.Has("head.weight") || tr.Current().Way != 0 {
		t.Fatalf("state %s, head %v", tr.State(), tr.Current().Params.Has("head.weight"))
	}
	if !slices.Equal(mean.Data, tr.Current().Params.Get("encoder.0.1.running_mean").Data) {
		t.Error("running BatchNorm statistics changed: the recipe's bn running was not used")
	}
	b, err := tr.Weights()
	if err != nil {
		t.Fatal(err)
	}
	w, err := ParseWeights(b)
	if err != nil {
		t.Fatal(err)
	}
	got := *w.Config
	if got.BN != "running" || !got.ProtoHead || got.LR != 1e-4 || got.LRHalve != 1 || got.InnerLR != 0.003 || w.Episodes != 1600+2 {
		t.Errorf("written recipe %+v, %d episodes", got, w.Episodes)
	}
	in, err := modelfile.ParseInit(got.Init)
	if err != nil || in.File != "fomaml.safetensors" || in.Algo != "fomaml" || in.Episodes != 1600 {
		t.Errorf("written init %q (%+v, %v)", got.Init, in, err)
	}
	// Scratch with running statistics is refused, naming bn.
	c.Init = ""
	ev = l.Handle(protocol.Command{Type: protocol.CmdStart, Config: &c, Init: protocol.InitScratch})
	if len(ev) != 1 || ev[0].Type != protocol.EvInvalid || ev[0].Field != "bn" {
		t.Errorf("bn running from scratch: %+v", ev)
	}
}
