package maml

import (
	"math/rand/v2"
	"testing"

	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
	"metaglot/core/nn"
)

func TestLearnerSuite(t *testing.T) {
	learnertest.Run(t, func(rng *rand.Rand, way int) (learner.Learner, error) {
		return New(learner.NewHeadNetParams(rng, way), Config{InnerLR: 0.1, InnerSteps: 2, AdaptSteps: 5})
	})
}

func TestLearnerSuiteProtoHead(t *testing.T) {
	learnertest.Run(t, func(rng *rand.Rand, way int) (learner.Learner, error) {
		return New(nn.NewConv4Params(rng), Config{InnerLR: 0.1, InnerSteps: 2, AdaptSteps: 5, ProtoHead: true})
	})
}
