package learner

import (
	"math"
	"testing"
)

func TestMeanCI95(t *testing.T) {
	// Reference: Python statistics, x = [0.8, 0.9, 1.0, 0.7]: mean 0.85,
	// stdev 0.12909944, 1.96*0.12909944/2 = 0.12651745.
	mean, ci := MeanCI95([]float64{0.8, 0.9, 1.0, 0.7})
	if math.Abs(mean-0.85) > 1e-12 || math.Abs(ci-0.12651745) > 1e-7 {
		t.Errorf("MeanCI95 = %v ± %v, want 0.85 ± 0.12651745", mean, ci)
	}
	if m, c := MeanCI95([]float64{0.6}); m != 0.6 || c != 0 {
		t.Errorf("one value: %v ± %v, want 0.6 ± 0", m, c)
	}
	if m, c := MeanCI95(nil); m != 0 || c != 0 {
		t.Errorf("empty: %v ± %v, want 0 ± 0", m, c)
	}
	if _, c := MeanCI95([]float64{1, 1, 1}); c != 0 {
		t.Errorf("constant: ci %v, want 0", c)
	}
}
