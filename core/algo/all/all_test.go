package all_test

import (
	"math/rand/v2"
	"testing"

	"metaglot/core/algo"
	_ "metaglot/core/algo/all"
	"metaglot/core/learner"
	"metaglot/core/learner/learnertest"
)

// TestLearnerSuite runs the shared learner suite on every registered
// algorithm with its Suite settings, and with the prototype head for those
// that train with it, each on every network (learner.NetNames) for the
// algorithms with the net setting: a new algorithm runs it by
// registering.
func TestLearnerSuite(t *testing.T) {
	for _, s := range algo.All() {
		c := s.Suite
		if c.Algo == "" {
			c = s.Quick
		}
		nets := []string{""} // the default, Conv4
		if s.Applies("net") {
			nets = append(nets, learner.NetNames()[1:]...)
		}
		for _, net := range nets {
			c := c
			c.Net = net
			name := s.Name
			if net != "" {
				name += "/" + net
			}
			t.Run(name, func(t *testing.T) {
				learnertest.Run(t, func(rng *rand.Rand, way int) (learner.Learner, error) {
					c := c
					c.Way = way
					return s.New(c, s.NewParams(c, rng), nil)
				})
			})
			c.ProtoHead = true
			if s.Caps.ProtoHead && (s.Validate == nil || s.Validate(c) == nil) {
				t.Run(name+"/ProtoHead", func(t *testing.T) {
					learnertest.Run(t, func(rng *rand.Rand, way int) (learner.Learner, error) {
						c := c
						c.Way = way
						return s.New(c, s.NewParams(c, rng), nil)
					})
				})
			}
		}
	}
}
