package app

import (
	"net/url"
	"strconv"
	"strings"
)

// Seed returns the page's random seed: the number in the URL's query
// parameter seed (search is location.search, e.g. "?seed=7"), so a
// teacher's link or a test draws the same Try Omniglot tasks every time;
// else fallback (the page passes the clock). A seed that is not a
// non-negative integer is ignored.
func Seed(search string, fallback uint64) uint64 {
	q, err := url.ParseQuery(strings.TrimPrefix(search, "?"))
	if err != nil {
		return fallback
	}
	n, err := strconv.ParseUint(q.Get("seed"), 10, 64)
	if err != nil {
		return fallback
	}
	return n
}
