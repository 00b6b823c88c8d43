package app

import (
	"slices"
	"testing"
)

// names returns the class names in order.
func names(s *State) []string {
	var out []string
	for i := range s.Classes.Len() {
		out = append(out, s.Classes.Class(i).Name)
	}
	return out
}

// Deleting a class can be undone until the classes change again: the
// class comes back at its position with its examples and selection, and
// the stored classes follow.
func TestUndoDelete(t *testing.T) {
	s, st := newState(t), newStorage()
	for _, draw := range []func(*State, Pad, float32){circle, cross, bar} {
		s.AddClass()
		draw(s, DrawPad, 30)
		s.AddExample()
		draw(s, DrawPad, 24)
		s.AddExample()
	}
	s.Select(2)
	circle(s, QueryPad, 28)
	want, wantProbs := names(s), s.Result.Probs
	s.Save(st)
	stored := st.m[StorageKey]

	if s.CanUndoDelete() != "" || s.UndoDelete() {
		t.Fatal("undo offered before any deletion")
	}
	s.DeleteClass(1)
	s.Save(st)
	if s.CanUndoDelete() != "Class 2" || s.Classes.Len() != 2 || st.m[StorageKey] == stored {
		t.Fatalf("after delete: undo %q, %d classes, storage unchanged %v", s.CanUndoDelete(), s.Classes.Len(), st.m[StorageKey] == stored)
	}
	if !s.UndoDelete() {
		t.Fatalf("undo refused: %q", s.Message)
	}
	s.Save(st)
	if got := names(s); !slices.Equal(got, want) || s.Classes.Examples() != 6 || s.Selected != 2 {
		t.Fatalf("after undo: %v (want %v), %d examples, selected %d", got, want, s.Classes.Examples(), s.Selected)
	}
	if st.m[StorageKey] != stored {
		t.Fatalf("storage after undo:\n%s\nwant\n%s", st.m[StorageKey], stored)
	}
	if !s.HaveResult || !slices.Equal(s.Result.Probs, wantProbs) {
		t.Fatalf("query after undo: result %v, probs %v, want %v", s.HaveResult, s.Result.Probs, wantProbs)
	}
	if s.CanUndoDelete() != "" || s.UndoDelete() {
		t.Fatal("undo offered twice")
	}

	// The last class, then a change: no undo any more.
	s.DeleteClass(2)
	if s.CanUndoDelete() != "Class 3" {
		t.Fatalf("undo of the last class: %q", s.CanUndoDelete())
	}
	s.UndoDelete()
	if got := names(s); !slices.Equal(got, want) {
		t.Fatalf("after undoing the last class: %v", got)
	}
	s.DeleteClass(0)
	s.AddClass()
	if s.CanUndoDelete() != "" || s.UndoDelete() || s.Classes.Len() != 3 {
		t.Fatalf("undo after another change: %q, %d classes", s.CanUndoDelete(), s.Classes.Len())
	}
}
