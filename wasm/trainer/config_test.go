package trainer

import (
	"os"
	"testing"

	"metaglot/core/omniglot"
)

func TestLimitsOf(t *testing.T) {
	b, err := os.ReadFile("../../assets/omniglot/index.json")
	if err != nil {
		t.Fatal(err)
	}
	ix, err := omniglot.ParseIndex(b)
	if err != nil {
		t.Fatal(err)
	}
	lim, err := LimitsOf(ix)
	if err != nil {
		t.Fatal(err)
	}
	// Vinyals et al.: 1200 training + 100 validation characters and 423
	// test characters, four rotations each.
	if lim.TrainClasses != 4*1200 || lim.TestClasses != 4*423 {
		t.Errorf("limits %+v, want 4800 training and 1692 held-out classes", lim)
	}
}
