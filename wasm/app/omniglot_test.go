package app

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"metaglot/wasm/site"
)

// siteFetch serves the repository's assets as the page's site does and
// counts the requests per path; fail makes every request fail.
type siteFetch struct {
	got  map[string]int
	fail error
}

func (f *siteFetch) get(path string) ([]byte, error) {
	f.got[path]++
	if f.fail != nil {
		return nil, f.fail
	}
	return os.ReadFile(filepath.Join("..", "..", path))
}

// The Try Omniglot flow: the index once, the sheet of the alphabet
// chosen once, the user's classes saved before they are replaced, then
// the Try set shown (and not saved) with its held-out drawings.
func TestTryFlow(t *testing.T) {
	if _, err := os.Stat(filepath.Join("..", "..", site.OmniglotIndex)); err != nil {
		t.Skipf("assets not built: %v", err)
	}
	s, st := newState(t), newStorage()
	s.AddClass() // the user's own class, not yet saved
	f := &siteFetch{got: map[string]int{}}
	j := s.StartTry("5", "3", 42)
	if j == nil || s.Message != "Fetching Omniglot drawings…" {
		t.Fatalf("not started: %q", s.Message)
	}
	if s.StartTry("5", "3", 43) != nil {
		t.Fatal("a second Try started while one runs")
	}
	j.Run(f.get)
	s.FinishTry(j, st)
	if s.Classes.Len() != 5 || s.Classes.Examples() != 15 || len(s.Omniglot) != 5 || !s.Demo {
		t.Fatalf("%d classes, %d examples, %d held out, demo %v: %q", s.Classes.Len(), s.Classes.Examples(), len(s.Omniglot), s.Demo, s.Message)
	}
	if r := newState(t); r.Restore([]byte(st.m[StorageKey])) != nil || r.Classes.Len() != 1 {
		t.Fatalf("the user's class was not saved before the Try set replaced it: %q", st.m[StorageKey])
	}
	if len(f.got) != 2 || f.got[site.OmniglotIndex] != 1 {
		t.Fatalf("requests %v, want the index and one sheet once each", f.got)
	}

	// The same alphabet again (the same seed): nothing fetched.
	before := len(f.got)
	j = s.StartTry("5", "1", 42)
	j.Run(f.get)
	s.FinishTry(j, st)
	if len(f.got) != before || f.got[site.OmniglotIndex] != 1 || s.Classes.Examples() != 5 {
		t.Fatalf("second Try: requests %v, %d examples: %q", f.got, s.Classes.Examples(), s.Message)
	}
	s.MyClasses(st)
	if s.Classes.Len() != 1 || s.Demo {
		t.Fatalf("back to my classes: %d, demo %v", s.Classes.Len(), s.Demo)
	}
}

// A failed fetch or a bad choice leaves the classes and says why; the
// next Try can start.
func TestTryFails(t *testing.T) {
	if _, err := os.Stat(filepath.Join("..", "..", site.OmniglotIndex)); err != nil {
		t.Skipf("assets not built: %v", err)
	}
	s, st := newState(t), newStorage()
	s.AddClass()
	down := &siteFetch{got: map[string]int{}, fail: errors.New("fetch assets/omniglot/index.json: HTTP 503")}
	j := s.StartTry("5", "5", 1)
	j.Run(down.get)
	s.FinishTry(j, st)
	if s.Classes.Len() != 1 || s.Demo || s.Message != "Try Omniglot failed: fetch assets/omniglot/index.json: HTTP 503" {
		t.Fatalf("%d classes, demo %v, %q", s.Classes.Len(), s.Demo, s.Message)
	}
	ok := &siteFetch{got: map[string]int{}}
	for _, c := range []struct{ n, k, want string }{
		{"25", "5", "with 1 to 20 classes, not 25"},
		{"5", "20", "with 1 to 19 examples, not 20"}, // a character has 20 drawings: one is held out
		{"5", "x", "not -1"},
	} {
		j := s.StartTry(c.n, c.k, 1)
		if j == nil {
			t.Fatal("the failed Try still counts as running")
		}
		j.Run(ok.get)
		s.FinishTry(j, st)
		if s.Classes.Len() != 1 || !strings.Contains(s.Message, c.want) {
			t.Errorf("n %s k %s: %d classes, %q, want %q", c.n, c.k, s.Classes.Len(), s.Message, c.want)
		}
	}
}

// A query belongs to the classes it was drawn for: when a Try Omniglot
// set replaces them (or the user's classes come back) the query pad, a
// picked held-out drawing and the result are cleared, so that nothing is
// classified against classes it was not meant for.
func TestTryClearsQuery(t *testing.T) {
	if _, err := os.Stat(filepath.Join("..", "..", site.OmniglotIndex)); err != nil {
		t.Skipf("assets not built: %v", err)
	}
	s, st := newState(t), newStorage()
	s.AddClass()
	circle(s, DrawPad, 30)
	s.AddExample()
	circle(s, QueryPad, 28)
	if !s.HaveResult {
		t.Fatalf("the drawn query is not classified: %q", s.Hint)
	}
	f := &siteFetch{got: map[string]int{}}
	try := func(seed uint64) {
		t.Helper()
		j := s.StartTry("5", "1", seed)
		j.Run(f.get)
		s.FinishTry(j, st)
		if !s.Demo {
			t.Fatalf("no Try set: %q", s.Message)
		}
	}
	try(42)
	if !s.Query.Empty() || s.HaveResult || s.QueryImage != nil {
		t.Fatalf("after Try: query empty %v, result %v: the old query is classified against the new classes", s.Query.Empty(), s.HaveResult)
	}
	s.PickHeldOut(0)
	if !s.HaveResult || s.QueryLabel == "" {
		t.Fatalf("held-out query not classified: %q", s.Hint)
	}
	try(7)
	if s.QueryImage != nil || s.QueryLabel != "" || s.HaveResult {
		t.Fatalf("after a second Try: held-out query %q kept, result %v", s.QueryLabel, s.HaveResult)
	}
	s.PickHeldOut(1)
	s.MyClasses(st)
	if s.QueryImage != nil || s.QueryLabel != "" || s.HaveResult || s.Classes.Len() != 1 {
		t.Fatalf("back to my classes: held-out query %q kept, result %v, %d classes", s.QueryLabel, s.HaveResult, s.Classes.Len())
	}
}
