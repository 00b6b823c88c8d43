package learner

import (
	"fmt"
	"strings"
)

// BN says which statistics the BatchNorm layers of a HeadNet normalize with
// while it adapts to a support set and classifies queries. Either way a
// query's prediction does not depend on the other queries (see the package
// documentation).
type BN int

const (
	// SupportBN normalizes with the batch statistics of the support set:
	// the inner steps run BatchNorm in training mode, and the statistics
	// of the support under the adapted weights are then stored for the
	// queries (HeadNet.SupportStats). The running statistics of the
	// meta-parameters are not used. It works from any initialization, but
	// a one-shot support set is a small batch (five images for 5-way
	// 1-shot), and its statistics are noisy.
	SupportBN BN = iota
	// RunningBN normalizes support and queries alike with the running
	// statistics stored in the parameters (BatchNorm in inference mode: a
	// fixed affine map per channel, as ProtoNet classifies). Adaptation
	// and meta-training never change those statistics, so they must come
	// from a network that learned them: a ProtoNet's, through
	// `metaglot train -init`.
	RunningBN
	// TransductiveBN is Finn et al.'s protocol: the support adapts with
	// its batch statistics, as with SupportBN, and the queries of a task
	// are then normalized with their own batch statistics, all together
	// (training's query loss and HeadClassifier.TransductiveProbs). It is
	// how the MAML and Reptile papers train and report Omniglot; a query
	// then depends on the other queries, so the page, which classifies one
	// drawing at a time, falls back to the support's statistics (Probs).
	TransductiveBN
)

// InnerParams says which parameters the inner steps of FOMAML and Reptile
// change (HeadNet.InnerStep).
type InnerParams int

const (
	// AllParams: every trainable tensor, BatchNorm scales and offsets
	// included (the zero value).
	AllParams InnerParams = iota
	// NoBNParams: the convolutions and the head only. The BatchNorm
	// scales and offsets keep their meta-learned values in every task and
	// are learned by the outer loop alone, as in Finn et al.'s code, whose
	// BatchNorm variables are not among the fast weights.
	NoBNParams
)

// String returns the name ParseInnerParams reads: "all" or "no-bn".
func (p InnerParams) String() string {
	switch p {
	case AllParams:
		return "all"
	case NoBNParams:
		return "no-bn"
	}
	return fmt.Sprintf("InnerParams(%d)", int(p))
}

// ParseInnerParams returns the InnerParams named s: "all" (or "", the
// setting of files written before there was a choice) or "no-bn".
func ParseInnerParams(s string) (InnerParams, error) {
	switch s {
	case "", "all":
		return AllParams, nil
	case "no-bn":
		return NoBNParams, nil
	}
	return 0, fmt.Errorf("unknown inner-loop parameters %q (want all or no-bn)", s)
}

// Adapts reports whether the inner steps change the trainable tensor
// name under p.
func (p InnerParams) Adapts(name string) bool {
	return p != NoBNParams || !isBNAffine(name)
}

// isBNAffine reports whether name is a Conv4 BatchNorm scale or offset
// (encoder.<block>.1.weight or .bias).
func isBNAffine(name string) bool {
	rest, ok := strings.CutPrefix(name, "encoder.")
	if !ok {
		return false
	}
	i := strings.IndexByte(rest, '.')
	return i > 0 && (rest[i:] == ".1.weight" || rest[i:] == ".1.bias")
}

// QueryTrain reports whether queries are normalized with their own batch
// statistics (TransductiveBN) rather than stored ones.
func (b BN) QueryTrain() bool { return b == TransductiveBN }

// Valid reports whether b is one of the BN values.
func (b BN) Valid() bool { return b == SupportBN || b == RunningBN || b == TransductiveBN }

// String returns the name ParseBN reads: "support" or "running".
func (b BN) String() string {
	switch b {
	case SupportBN:
		return "support"
	case RunningBN:
		return "running"
	case TransductiveBN:
		return "transductive"
	}
	return fmt.Sprintf("BN(%d)", int(b))
}

// ParseBN returns the BN named s: "support" (or "", the setting of files
// written before there was a choice), "running" or "transductive".
func ParseBN(s string) (BN, error) {
	switch s {
	case "", "support":
		return SupportBN, nil
	case "running":
		return RunningBN, nil
	case "transductive":
		return TransductiveBN, nil
	}
	return 0, fmt.Errorf("unknown BatchNorm statistics %q (want support, running or transductive)", s)
}
