package train

import (
	"fmt"
	"sync"

	"metaglot/core/episode"
	"metaglot/core/learner"
)

// ForEpisodes draws n episodes with next (called in order, i = 0, 1, …,
// on the calling goroutine) and calls do(l, i, t) on the ith one's task,
// with the episodes spread over the learners ls: each learner takes a
// whole episode at a time, and len(ls) episodes run at once.
//
// # Why across episodes
//
// Evaluating a learner that adapts by inner steps (FOMAML, Reptile) is a
// small training run per episode: tens of SGD steps on a batch of a few
// dozen images. Splitting those small convolutions between workers costs
// more in coordination than it saves (a validation took longer on 2
// threads than on 1), while episodes are independent. So, as
// learner.TaskPool does with the tasks of a meta-batch, each worker gets
// whole episodes, and its learner runs them on one goroutine.
//
// # Same result for any number of learners
//
// The episodes are drawn in order whatever len(ls) is, and episode i's
// figure depends only on episode i and on the learner's weights: learners
// built alike (the same weights, settings and a serial nn.Parallel)
// compute it the same. So a caller that keeps one result per episode
// (do writes slot i) gets the same figures from one learner or eight.
// do must leave shared state alone but for its episode's slot. The
// returned error is that of the lowest failing i (from next or do,
// wrapped with the episode's number), and no episode after its chunk is
// drawn.
func ForEpisodes(ls []learner.Learner, n int, next func(i int, ep *episode.Episode) error, do func(l learner.Learner, i int, t *learner.Task) error) error {
	if len(ls) == 0 {
		return fmt.Errorf("train: no learners for %d episodes", n)
	}
	eps := make([]episode.Episode, min(len(ls), max(n, 1)))
	errs := make([]error, len(eps))
	for base := 0; base < n; base += len(eps) {
		m := min(len(eps), n-base)
		for j := range m {
			if err := next(base+j, &eps[j]); err != nil {
				return fmt.Errorf("episode %d: %w", base+j, err)
			}
		}
		if m == 1 {
			errs[0] = do(ls[0], base, TaskOf(&eps[0]))
		} else {
			var wg sync.WaitGroup
			for j := range m {
				wg.Go(func() { errs[j] = do(ls[j], base+j, TaskOf(&eps[j])) })
			}
			wg.Wait()
		}
		for j, err := range errs[:m] {
			if err != nil {
				return fmt.Errorf("episode %d: %w", base+j, err)
			}
		}
	}
	return nil
}
