package main

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// acceptedEncodings returns the precompressed codings ("br", "gzip") that an
// Accept-Encoding header value allows, most preferred first: by quality
// value, then br before gzip. A coding is allowed when it, or "*", is listed
// with a quality above zero; an explicit "br;q=0" excludes br even if "*" is
// allowed. "x-gzip" counts as gzip. Malformed quality values drop their
// element.
func acceptedEncodings(header string) []string {
	q := map[string]float64{} // explicit quality per coding, including "*"
	for elem := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(elem, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding == "x-gzip" {
			coding = "gzip"
		}
		if coding == "" {
			continue
		}
		quality, ok := parseQuality(params)
		if !ok {
			continue
		}
		q[coding] = quality
	}
	type choice struct {
		coding string
		q      float64
		rank   int
	}
	var choices []choice
	for rank, coding := range []string{"br", "gzip"} {
		quality, listed := q[coding]
		if !listed {
			quality, listed = q["*"]
		}
		if listed && quality > 0 {
			choices = append(choices, choice{coding, quality, rank})
		}
	}
	slices.SortFunc(choices, func(a, b choice) int {
		if c := cmp.Compare(b.q, a.q); c != 0 {
			return c
		}
		return cmp.Compare(a.rank, b.rank)
	})
	out := make([]string, len(choices))
	for i, c := range choices {
		out[i] = c.coding
	}
	return out
}

// parseQuality reads the "q=" parameter of one Accept-Encoding element
// (params is the text after the first ';'). No q means 1.
func parseQuality(params string) (float64, bool) {
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		quality, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || quality < 0 || quality > 1 {
			return 0, false
		}
		return quality, true
	}
	return 1, true
}
