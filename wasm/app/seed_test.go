package app

import "testing"

func TestSeed(t *testing.T) {
	for _, c := range []struct {
		search string
		want   uint64
	}{
		{"", 99},
		{"?seed=7", 7},
		{"seed=7", 7},
		{"?workers=2&seed=12345678901234", 12345678901234},
		{"?seed=-1", 99},
		{"?seed=abc", 99},
		{"?seed=", 99},
		{"?%zz", 99},
	} {
		if got := Seed(c.search, 99); got != c.want {
			t.Errorf("Seed(%q) = %d, want %d", c.search, got, c.want)
		}
	}
}
