package main

import (
	"path/filepath"
	"testing"

	"metaglot/core/algo"
	"metaglot/core/train"
)

// TestCLIMatchesBitIDGolden trains the runs of core/train's bit-identity
// golden file with metaglot train (-threads 1; every setting as its flag)
// and checks that the model it writes has the digest core/train recorded
// for this process's matrix kernel: the CLI and the loop the page's worker
// drives train the same weights. (For the plain-Go kernel, the same digests
// hold under wasm: core/train TestBitIdentity.)
func TestCLIMatchesBitIDGolden(t *testing.T) {
	g, err := train.ReadBitID("../../core/train/testdata/bitid.json")
	if err != nil {
		t.Fatal(err)
	}
	want, kernel, ok := g.Want()
	if !ok {
		t.Skipf("no digests for the %s kernel (recorded: plain Go, and AVX-512 natively)", kernel)
	}
	for _, c := range g.Configs {
		spec, err := algo.Lookup(c.Algo)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), c.Algo)
		args := []string{"train", "-algo", c.Algo, "-assets", testAssets, "-threads", "1", "-progress=false", "-out", out}
		for _, st := range algo.Settings() {
			if spec.Applies(st.Name) {
				args = append(args, "-"+st.Flag+"="+st.Format(c))
			}
		}
		if code, _, stderr := runCLI(args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		params, _, _, err := loadModel(filepath.Join(out, modelFile))
		if err != nil {
			t.Fatal(err)
		}
		if d := train.Digest(params); d != want[c.Algo] {
			t.Errorf("%s: metaglot train's weights digest %s, golden (%s kernel) %s", c.Algo, d, kernel, want[c.Algo])
		}
	}
}
