package trainer

import (
	"testing"

	"metaglot/core/train"
	"metaglot/wasm/trainer/protocol"
)

// TestWorkerMatchesBitIDGolden trains the runs of core/train's
// bit-identity golden file as the page's worker does (Trainer.Start from
// scratch, Step until finished) and checks the digest of the weights
// against the one recorded for this process's matrix kernel, which
// metaglot train matches too (cmd/metaglot TestCLIMatchesBitIDGolden).
// Under wasm with the plain-Go kernels (GOEXPERIMENT=) it compares the
// worker's weights in wasm with the native runs' digests.
func TestWorkerMatchesBitIDGolden(t *testing.T) {
	g, err := train.ReadBitID("../../core/train/testdata/bitid.json")
	if err != nil {
		t.Fatal(err)
	}
	want, kernel, ok := g.Want()
	if !ok {
		t.Skipf("no digests for the %s kernel: bit identity with native runs holds for the plain-Go kernels (GOEXPERIMENT=)", kernel)
	}
	ds := loadData(t)
	for _, c := range g.Configs {
		tr := newTrainer(t, ds)
		if err := tr.Start(c, protocol.InitScratch, nil); err != nil {
			t.Fatal(err)
		}
		for tr.State() == protocol.Running {
			if _, _, err := tr.Step(); err != nil {
				t.Fatal(err)
			}
		}
		if d := train.Digest(tr.Current().Params); d != want[c.Algo] {
			t.Errorf("%s: the worker's weights digest %s, golden (%s kernel) %s", c.Algo, d, kernel, want[c.Algo])
		}
	}
}
