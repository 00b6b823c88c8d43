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

// WorkerOption is one choice of the Train view's workers menu: N workers,
// and its label.
type WorkerOption struct {
	N     int
	Label string
}

// WorkerOptions returns the choices of the Train view's workers menu on a
// device whose browser reports cores logical cores: 1 to MaxWorkers, the
// default (PageWorkers without a parameter) and the choices beyond the
// cores said as such, since workers that share a core only take turns.
func WorkerOptions(cores int) []WorkerOption {
	def, _ := PageWorkers(cores, "")
	out := make([]WorkerOption, MaxWorkers)
	for n := 1; n <= MaxWorkers; n++ {
		label := fmt.Sprint(n)
		switch {
		case n == def && cores <= 1:
			label += " (default: one core)"
		case n == def:
			label += fmt.Sprintf(" (default: cores − 1, at most %d)", DefaultWorkers)
		case n > cores:
			label += fmt.Sprintf(" (more than the %d %s: no faster)", max(cores, 1), plural(cores, "core", "cores"))
		}
		out[n-1] = WorkerOption{N: n, Label: label}
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// ChooseWorkers reads the workers menu's value (WorkerOptions' N as
// text): the number of workers, or an error naming the value if it is
// not one of the choices.
func ChooseWorkers(value string) (int, error) {
	var n int
	if _, err := fmt.Sscan(value, &n); err != nil || fmt.Sprint(n) != value || n < 1 || n > MaxWorkers {
		return 0, fmt.Errorf("workers %q: want a number from 1 to %d", value, MaxWorkers)
	}
	return n, nil
}
