package trainview

import (
	"fmt"

	"metaglot/wasm/trainer/weightsfile"
)

// WeightsFileName is the name "Download weights" gives the weights of a
// run of algo after episodes episodes.
func WeightsFileName(algo string, episodes int) string {
	return fmt.Sprintf("metaglot-%s-%d-episodes.safetensors", algo, episodes)
}

// ReadRange reads bytes [start, end) of a file the user chose (in the
// page, a slice of the File; the browser reads only that much).
type ReadRange func(start, end int64) ([]byte, error)

// CheckWeightsFile decides whether the weights file name of size bytes
// may go to the worker, reading no more of it than its header: first its
// size, then its first 8 bytes (the header's length), then the header
// itself (package weightsfile), each read on its own. The page's program
// never holds the tensors: a file that passes goes to the worker whole,
// which decodes it. The error is the message the Train view shows (the
// current weights are kept).
func CheckWeightsFile(name string, size int64, read ReadRange) error {
	refuse := func(err error) error {
		return fmt.Errorf("the weights were not loaded, the current ones are kept: %w", err)
	}
	if err := weightsfile.CheckSize(name, size); err != nil {
		return refuse(err)
	}
	prefix, err := read(0, weightsfile.PrefixLen)
	if err != nil {
		return refuse(fmt.Errorf("could not read %s: %v", name, err))
	}
	n, err := weightsfile.HeaderLen(name, prefix, size)
	if err != nil {
		return refuse(err)
	}
	header, err := read(weightsfile.PrefixLen, weightsfile.PrefixLen+int64(n))
	if err == nil {
		err = weightsfile.CheckHeader(name, header, size)
	}
	if err != nil {
		return refuse(err)
	}
	return nil
}
