package app

import (
	"errors"
	"strings"
	"testing"

	"metaglot/wasm/classes"
)

// memStorage is a localStorage in memory; full refuses every write.
type memStorage struct {
	m    map[string]string
	full bool
	sets int
}

func (m *memStorage) Get(key string) (string, bool) { v, ok := m.m[key]; return v, ok }
func (m *memStorage) Set(key, value string) error {
	if m.full {
		return errors.New("QuotaExceededError")
	}
	m.sets++
	m.m[key] = value
	return nil
}

func newStorage() *memStorage { return &memStorage{m: map[string]string{}} }

// Save writes only changed classes, never a Try Omniglot set, and a
// refused write leaves the classes and says to export them.
func TestSave(t *testing.T) {
	s, st := newState(t), newStorage()
	s.AddClass()
	s.Save(st)
	if r := newState(t); st.sets != 1 || r.Restore([]byte(st.m[StorageKey])) != nil || r.Classes.Len() != 1 {
		t.Fatalf("not saved: %d writes, %q", st.sets, st.m[StorageKey])
	}
	s.Save(st)
	if st.sets != 1 {
		t.Errorf("unchanged classes written again: %d writes", st.sets)
	}
	s.Demo = true
	s.AddClass()
	s.Save(st)
	if st.sets != 1 {
		t.Errorf("a Try Omniglot set was saved")
	}
	s.Demo = false
	st.full = true
	s.AddClass()
	s.Save(st)
	if s.Classes.Len() != 3 || !strings.Contains(s.Message, "Could not save") || !strings.Contains(s.Message, "Export JSON") {
		t.Errorf("refused write: %d classes, message %q", s.Classes.Len(), s.Message)
	}
}

// Load restores stored classes; unreadable ones are copied aside and
// left in place, and the next Save cannot lose them.
func TestLoad(t *testing.T) {
	s, st := newState(t), newStorage()
	s.Load(st) // nothing stored
	if s.Classes.Len() != 0 || s.Message != "" {
		t.Fatalf("empty storage: %d classes, %q", s.Classes.Len(), s.Message)
	}
	s.AddClass()
	s.Save(st)
	r := newState(t)
	r.Load(st)
	if r.Classes.Len() != 1 {
		t.Fatalf("restored %d classes", r.Classes.Len())
	}
	st.m[StorageKey] = "{broken"
	b := newState(t)
	b.Load(st)
	if b.Classes.Len() != 0 || st.m[UnreadableKey] != "{broken" || !strings.Contains(b.Message, "kept under the key "+UnreadableKey) {
		t.Fatalf("unreadable: %d classes, aside %q, message %q", b.Classes.Len(), st.m[UnreadableKey], b.Message)
	}
}

// MyClasses leaves a Try set for the stored classes, or an empty list.
func TestMyClasses(t *testing.T) {
	s, st := newState(t), newStorage()
	s.AddClass()
	s.AddClass()
	s.Save(st)
	s.Demo = true
	s.Classes.Replace(&classes.List{})
	s.Omniglot = []HeldOut{{}}
	s.MyClasses(st)
	if s.Demo || s.Omniglot != nil || s.Classes.Len() != 2 || s.Message != "Your classes are back." {
		t.Fatalf("demo %v, %d held out, %d classes, %q", s.Demo, len(s.Omniglot), s.Classes.Len(), s.Message)
	}
	e := newState(t)
	e.AddClass()
	e.Demo = true
	e.MyClasses(newStorage())
	if e.Demo || e.Classes.Len() != 0 || !strings.HasPrefix(e.Message, "No stored classes") {
		t.Fatalf("nothing stored: demo %v, %d classes, %q", e.Demo, e.Classes.Len(), e.Message)
	}
}
