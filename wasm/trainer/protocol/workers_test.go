package protocol

import (
	"strings"
	"testing"
)

func TestPageWorkers(t *testing.T) {
	for _, tc := range []struct {
		cores int
		param string
		want  int
		err   bool
	}{
		{0, "", 1, false}, {1, "", 1, false}, {2, "", 1, false}, {3, "", 2, false}, {8, "", 4, false}, {64, "", 4, false},
		{2, "2", 2, false}, {2, "8", 8, false}, {16, "1", 1, false},
		{2, "0", 1, true}, {3, "9", 2, true}, {2, "two", 1, true}, {2, "2x", 1, true}, {2, " 2", 1, true}, {2, "-1", 1, true},
	} {
		got, err := PageWorkers(tc.cores, tc.param)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("PageWorkers(%d, %q) = %d, %v; want %d, error %v", tc.cores, tc.param, got, err, tc.want, tc.err)
		}
	}
}

// The Train view's workers menu: 1 to MaxWorkers, the default the page
// takes without ?workers= marked, and the choices beyond the device's
// cores said to be no faster.
func TestWorkerOptions(t *testing.T) {
	for _, tc := range []struct {
		cores int
		want  map[int]string
	}{
		{2, map[int]string{1: "1 (default: cores − 1, at most 4)", 2: "2", 3: "3 (more than the 2 cores: no faster)"}},
		{8, map[int]string{4: "4 (default: cores − 1, at most 4)", 7: "7", 8: "8"}},
		{1, map[int]string{1: "1 (default: one core)", 2: "2 (more than the 1 core: no faster)"}},
	} {
		opts := WorkerOptions(tc.cores)
		if len(opts) != MaxWorkers {
			t.Fatalf("%d cores: %d options", tc.cores, len(opts))
		}
		def, _ := PageWorkers(tc.cores, "")
		for i, o := range opts {
			if o.N != i+1 {
				t.Errorf("%d cores: option %d is %d", tc.cores, i, o.N)
			}
			if w, ok := tc.want[o.N]; ok && o.Label != w {
				t.Errorf("%d cores: option %d %q, want %q", tc.cores, o.N, o.Label, w)
			}
			if strings.Contains(o.Label, "default") != (o.N == def) {
				t.Errorf("%d cores: option %q, default %d", tc.cores, o.Label, def)
			}
		}
	}
	for _, v := range []string{"0", "9", "two", "2.0", ""} {
		if n, err := ChooseWorkers(v); err == nil || !strings.Contains(err.Error(), `workers "`+v+`"`) {
			t.Errorf("ChooseWorkers(%q) = %d, %v", v, n, err)
		}
	}
	if n, err := ChooseWorkers("3"); n != 3 || err != nil {
		t.Errorf("ChooseWorkers(3) = %d, %v", n, err)
	}
}
