package mann

import (
	"fmt"
	"math/rand/v2"

	"metaglot/core/learner"
)

// Instances counts the predictions of Santoro et al.'s protocol by the
// presentation of their class: of the Total[n−1] images shown as the n-th
// instance of their class in an episode, Correct[n−1] were classified
// correctly before their label was given. Table 1 of the paper reports
// Acc(1), Acc(2), Acc(3), Acc(4), Acc(5) and Acc(10) for episodes of 5
// (and 15) classes × 10 instances.
type Instances struct {
	Correct, Total []int
}

// Acc returns the accuracy at the n-th presentation (n ≥ 1), or 0 if no
// image was shown as such.
func (s *Instances) Acc(n int) float64 {
	if n < 1 || n > len(s.Total) || s.Total[n-1] == 0 {
		return 0
	}
	return float64(s.Correct[n-1]) / float64(s.Total[n-1])
}

func (s *Instances) add(n int, ok bool) {
	for len(s.Total) < n {
		s.Total, s.Correct = append(s.Total, 0), append(s.Correct, 0)
	}
	s.Total[n-1]++
	if ok {
		s.Correct[n-1]++
	}
}

// InstanceAccuracy runs the paper's protocol on tasks and adds its counts
// to into: each task's images (support and queries alike, typically 10 per
// class) form one episode in an order drawn from rng, each image is
// classified before its label is fed at the next step, and the prediction
// is counted under the number of times its class had been shown before,
// plus one. With string labels each class gets a string drawn from rng for
// the episode, and a prediction counts as right only when all five
// characters are. The tasks run in lockstep, so they must have the same
// way and number of images. It does not change the learner's parameters.
func (l *Learner) InstanceAccuracy(tasks []*learner.Task, rng *rand.Rand, into *Instances) error {
	n := l.net
	way, steps, err := l.episodes(n, tasks)
	if err != nil {
		return err
	}
	classes := make([]int, steps*len(tasks)) // the class of each step
	for b, t := range tasks {
		order := rng.Perm(steps)
		perm := identity(way)
		if l.cfg.PermuteLabels {
			rng.Shuffle(way, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		}
		label := perm
		if l.cfg.Labels == String {
			label = make([]int, way)
			drawCodes(label, rng)
		}
		prev := -1
		for s, i := range order {
			img, y := image(t, i)
			if err := checkFinite(img); err != nil {
				return fmt.Errorf("mann: task %d image %d: %w", b, i, err)
			}
			classes[s*n.batch+b] = y
			l.setStep(n, s, b, img, prev, label[y], 0)
			prev = label[y]
		}
	}
	n.forward(way)
	C := l.cfg.outputs()
	for b := range tasks {
		seen := make([]int, way)
		for s := 0; s < steps; s++ {
			q := s*n.batch + b
			k := classes[q]
			seen[k]++
			into.add(seen[k], answer(l.cfg.Labels, n.probs[q*C:(q+1)*C], way) == int(n.y[q]))
		}
	}
	return nil
}

func identity(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}

func checkFinite(x []float32) error {
	for i, v := range x {
		if v-v != 0 {
			return fmt.Errorf("pixel %d is %v", i, v)
		}
	}
	return nil
}
