package train_test

import (
	"encoding/json"
	"flag"
	"os"
	"testing"

	"metaglot/core/algo"
	"metaglot/core/omniglot"
	"metaglot/core/train"
)

var update = flag.Bool("update", false, "record this platform's digests in testdata/bitid.json (and the runs' settings)")

// bitIDFile is the bit-identity golden file: the settings of 20-episode
// runs of ProtoNet, FOMAML and Reptile on small Omniglot episodes (seed 1,
// one thread), and per matrix kernel the SHA-256 (train.Digest) of the
// weights they end with. The kernels sum in different orders (AVX-512,
// AVX2, wasm SIMD128, plain Go), so bit identity holds between platforms
// that use the same one: the plain-Go kernel natively and under wasm
// (GOEXPERIMENT= on both sides). metaglot train (cmd/metaglot
// TestCLIMatchesBitIDGolden) and the page's worker (wasm/trainer
// TestWorkerMatchesBitIDGolden) read the same file.
const bitIDFile = "testdata/bitid.json"

func TestBitIdentity(t *testing.T) {
	g, err := train.ReadBitID(bitIDFile)
	if err != nil && !*update {
		t.Fatal(err)
	}
	if *update {
		g.Configs = nil
		for _, name := range []string{"protonet", "fomaml", "reptile"} {
			s, err := algo.Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			c := s.Defaults
			c.Way, c.Shot, c.Query, c.Episodes, c.MetaBatch, c.ValEvery, c.CheckpointEvery = 5, 1, 2, 20, 2, 0, 10
			if name == "protonet" {
				c.MetaBatch = 1
			} else {
				c.InnerSteps = 2
			}
			g.Configs = append(g.Configs, c)
		}
	}
	want, kernel, ok := g.Want()
	if !ok && !*update {
		t.Skipf("no digests for the %s kernel in %s: bit identity between native and wasm runs holds for the plain-Go kernels (GOEXPERIMENT=), whose digests are recorded; the SIMD kernels sum in different orders", kernel, bitIDFile)
	}
	ds, err := omniglot.LoadDir("../../assets/omniglot", "vinyals-trainval")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := ds.Split("vinyals-trainval")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range g.Configs {
		r := newRun(t, c, train.Data{Dataset: ds, Train: tr}, 0)
		finish(t, r)
		got[c.Algo] = train.Digest(r.Learner().Params())
		if !*update && got[c.Algo] != want[c.Algo] {
			t.Errorf("%s (%s kernel): weights digest %s, golden %s", c.Algo, kernel, got[c.Algo], want[c.Algo])
		}
	}
	if *update {
		if g.Digests == nil {
			g.Digests = map[string]map[string]string{}
		}
		g.Digests[kernel] = got
		b, _ := json.MarshalIndent(g, "", "  ")
		if err := os.WriteFile(bitIDFile, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
