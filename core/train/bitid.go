package train

import (
	"encoding/json"
	"fmt"
	"os"

	"metaglot/core/gemm"
	"metaglot/core/modelfile"
)

// BitID is a bit-identity golden file (core/train/testdata/bitid.json):
// the settings of short runs and, per matrix kernel (gemm's kernel name),
// the Digest of the weights each run ends with, by algorithm. Tests of
// metaglot train, of core/train and of the page's worker train the same
// runs and compare.
type BitID struct {
	Configs []modelfile.Config           `json:"configs"`
	Digests map[string]map[string]string `json:"digests"` // kernel -> algorithm -> Digest
}

// ReadBitID reads a BitID file.
func ReadBitID(path string) (BitID, error) {
	var g BitID
	b, err := os.ReadFile(path)
	if err != nil {
		return g, err
	}
	if err := json.Unmarshal(b, &g); err != nil {
		return g, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}

// Want returns the digests recorded for the matrix kernel this process
// uses (gemm's choice), the kernel's name, and whether any are recorded.
func (g BitID) Want() (digests map[string]string, kernel string, ok bool) {
	kernel = gemm.NewWorkspace().Kernel()
	digests, ok = g.Digests[kernel]
	return digests, kernel, ok
}
