package trainer

import (
	"metaglot/core/omniglot"
	"metaglot/wasm/trainer/protocol"
)

// Splits used for training and held-out accuracy.
const (
	TrainSplit = "vinyals-trainval"
	TestSplit  = "vinyals-test"
)

// LimitsOf returns the class counts of the session's splits in the
// dataset described by ix (no sheets needed).
func LimitsOf(ix *omniglot.Index) (protocol.Limits, error) {
	d := omniglot.New(ix)
	tr, err := d.Split(TrainSplit)
	if err != nil {
		return protocol.Limits{}, err
	}
	te, err := d.Split(TestSplit)
	if err != nil {
		return protocol.Limits{}, err
	}
	return protocol.Limits{TrainClasses: len(tr.Classes), TestClasses: len(te.Classes)}, nil
}
