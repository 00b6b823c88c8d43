package protocol

import "testing"

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
