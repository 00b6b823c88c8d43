package protocol

import "fmt"

// DefaultWorkers caps the workers a page uses unless asked for more: a
// visitor's machine keeps a core for the page itself and the rest of the
// system, and beyond four the meta-batches of the page's settings (4 to
// 32 tasks) leave little to share.
const DefaultWorkers = 4

// PageWorkers returns how many workers the page's runs may train in:
// param, the page's `workers` URL parameter, when it is set (1 to
// MaxWorkers), otherwise cores − 1 (navigator.hardwareConcurrency
// less one for the page), at least 1 and at most DefaultWorkers. A param
// that is not such a number gives the default and an error saying so.
func PageWorkers(cores int, param string) (int, error) {
	def := min(max(cores-1, 1), DefaultWorkers)
	if param == "" {
		return def, nil
	}
	var n int
	if _, err := fmt.Sscan(param, &n); err != nil || fmt.Sprint(n) != param || n < 1 || n > MaxWorkers {
		return def, fmt.Errorf("the page's workers=%q is not a number of workers from 1 to %d: training in %d", param, MaxWorkers, def)
	}
	return n, nil
}
