package nn

import (
	"fmt"
	"math"
)

// CrossEntropy computes the mean over the n rows of logits (n×c) of the
// negative log-softmax probability of each row's label, and the fraction of
// rows whose largest logit (the first, on ties) is the label. If dlogits is
// not nil it receives the gradient of the loss with respect to the logits,
// (softmax − onehot)/n. The log-softmax subtracts each row's maximum first,
// so large logits do not overflow.
//
// It returns an error if len(labels) != n or a label is outside [0, c).
func CrossEntropy[T Float](dlogits, logits []T, labels []int, n, c int) (loss, acc float64, err error) {
	if len(labels) != n {
		return 0, 0, fmt.Errorf("cross-entropy: %d labels for %d rows", len(labels), n)
	}
	if n == 0 || c == 0 {
		return 0, 0, fmt.Errorf("cross-entropy: empty logits %d×%d", n, c)
	}
	for i, y := range labels {
		if y < 0 || y >= c {
			return 0, 0, fmt.Errorf("cross-entropy: label %d of row %d is outside [0, %d)", y, i, c)
		}
	}
	var correct int
	for i := 0; i < n; i++ {
		row := logits[i*c : (i+1)*c]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		if best == labels[i] {
			correct++
		}
		mx := float64(row[best])
		var z float64
		for _, v := range row {
			z += math.Exp(float64(v) - mx)
		}
		lse := mx + math.Log(z)
		loss += lse - float64(row[labels[i]])
		if dlogits != nil {
			d := dlogits[i*c : (i+1)*c]
			for j, v := range row {
				d[j] = T(math.Exp(float64(v)-lse) / float64(n))
			}
			d[labels[i]] -= T(1 / float64(n))
		}
	}
	return loss / float64(n), float64(correct) / float64(n), nil
}

// SqDistances sets d[i·m+j] = ‖a_i − b_j‖² for the rows of a (n×dim) and b
// (m×dim); d is n×m.
func SqDistances[T Float](d, a, b []T, n, m, dim int) {
	for i := 0; i < n; i++ {
		ai := a[i*dim : (i+1)*dim]
		for j := 0; j < m; j++ {
			var s T
			for k, v := range b[j*dim : (j+1)*dim] {
				t := ai[k] - v
				s += t * t
			}
			d[i*m+j] = s
		}
	}
}

// SqDistancesBackward writes the gradients of the loss with respect to a
// and b given dd (n×m), the gradient with respect to SqDistances's output:
// da_i = Σ_j 2·dd_ij·(a_i − b_j), db_j = Σ_i 2·dd_ij·(b_j − a_i). Either of
// da, db may be nil. It overwrites, not accumulates.
func SqDistancesBackward[T Float](da, db, dd, a, b []T, n, m, dim int) {
	if da != nil {
		clear(da[:n*dim])
	}
	if db != nil {
		clear(db[:m*dim])
	}
	for i := 0; i < n; i++ {
		ai := a[i*dim : (i+1)*dim]
		for j := 0; j < m; j++ {
			g := 2 * dd[i*m+j]
			if g == 0 {
				continue
			}
			bj := b[j*dim : (j+1)*dim]
			if da != nil {
				dai := da[i*dim : (i+1)*dim]
				for k := range dai {
					dai[k] += g * (ai[k] - bj[k])
				}
			}
			if db != nil {
				dbj := db[j*dim : (j+1)*dim]
				for k := range dbj {
					dbj[k] += g * (bj[k] - ai[k])
				}
			}
		}
	}
}
