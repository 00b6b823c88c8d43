package learner

import "math"

// MeanCI95 returns the mean of xs and the half-width of its 95% confidence
// interval, 1.96·s/√n, where s is the sample standard deviation (with the
// n−1 denominator, as torch.std and the Prototypical Networks evaluation
// use). Few-shot papers report accuracy over many random test episodes as
// "mean ± ci95", one x per episode.
//
// For n < 2 the interval is reported as 0 (it is undefined). MeanCI95
// returns (0, 0) for an empty xs.
func MeanCI95(xs []float64) (mean, ci95 float64) {
	n := float64(len(xs))
	if len(xs) == 0 {
		return 0, 0
	}
	for _, x := range xs {
		mean += x
	}
	mean /= n
	if len(xs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		d := x - mean
		ss += d * d
	}
	std := math.Sqrt(ss / (n - 1))
	return mean, 1.96 * std / math.Sqrt(n)
}
