package app

import (
	"os"
	"strings"
	"testing"
	"time"

	"metaglot/wasm/classes"
)

func TestClassCount(t *testing.T) {
	s := newState(t)
	if got := s.ClassCount(); got != "0 of 20" {
		t.Fatalf("%q", got)
	}
	for range classes.MaxClasses {
		s.AddClass()
	}
	s.AddClass() // refused: the list is full
	if got := s.ClassCount(); got != "20 of 20" {
		t.Fatalf("full list: %q", got)
	}
}

func TestTimingText(t *testing.T) {
	s := newState(t)
	if s.TimingText() != "" {
		t.Fatal("a timing before any result")
	}
	s.AddClass()
	circle(s, DrawPad, 30)
	s.AddExample()
	circle(s, QueryPad, 30)
	if got := s.TimingText(); !s.HaveResult || got != "classified in 3.0 ms" {
		t.Fatalf("ProtoNet: %q", got) // the test clock advances 3 ms a reading
	}
	s.AdaptTime = 2 * time.Second // ProtoNet never adapts: not shown
	if strings.Contains(s.TimingText(), "adapting") {
		t.Fatalf("ProtoNet adapted: %q", s.TimingText())
	}
}

// IsShortcut agrees with Key on every key Key is given.
func TestIsShortcut(t *testing.T) {
	keys := []string{"z", "Z", "y", "a", "Delete", "Backspace", "Enter", "Escape", "Tab", " ", "0", "1", "5", "9", "ArrowUp", "F1", "é", "10"}
	for _, ctrl := range []bool{false, true} {
		for _, k := range keys {
			s := newState(t)
			if got, want := IsShortcut(k, ctrl), s.Key(k, ctrl, DrawPad); got != want {
				t.Errorf("key %q ctrl %v: IsShortcut %v, Key %v", k, ctrl, got, want)
			}
		}
	}
}

// A fine-tuning classifier's texts: the adaptation's time and steps, the
// loss chart's caption and the fields' tooltips.
func TestFineTunerTexts(t *testing.T) {
	s := newState(t)
	s.SetWeights(BundledWeights("fomaml", "f.st", weightsFile(t, "fomaml", "3"), nil))
	s.SetAlgorithm("fomaml")
	s.AddClass()
	circle(s, DrawPad, 30)
	s.AddExample()
	for _, r := range []float32{10, 20, 30, 40} { // five classes: the head is 5-way
		s.AddClass()
		cross(s, DrawPad, r)
		s.AddExample()
	}
	circle(s, QueryPad, 28)
	if s.LossCaption() != "" {
		t.Fatalf("a caption before any step: %q", s.LossCaption())
	}
	for i := 0; s.Adapting && i < 100; i++ {
		s.Tick()
	}
	if !s.HaveResult {
		t.Fatalf("not classified: %q", s.Hint)
	}
	if got := s.TimingText(); !strings.HasPrefix(got, "classified in ") || !strings.HasSuffix(got, " s (7 steps, one per frame)") {
		t.Errorf("timing %q", got)
	}
	if got := s.LossCaption(); !strings.HasPrefix(got, "support loss at each inner step: ") || !strings.HasSuffix(got, " at step 7") {
		t.Errorf("caption %q", got)
	}
	steps, lr := InnerTitles(s.Tuner())
	if steps != "SGD steps on the support set, 0 to 100 (the model's own: 7)" || lr != "their learning rate (the model's own: 0.003)" {
		t.Errorf("titles %q, %q", steps, lr)
	}
}

// The page says which BatchNorm statistics a drawing is normalised with:
// the bundled FOMAML was meta-trained with Finn et al.'s transductive
// BatchNorm, and the page, classifying one drawing at a time, uses the
// support set's statistics instead; the support-BN models were trained as
// they are used. The note names the paper whose BatchNorm a model follows
// (Finn et al.'s for FOMAML, Nichol et al.'s for Reptile). ProtoNet has no
// such note.
func TestBNNote(t *testing.T) {
	for file, want := range map[string][]string{
		"fomaml":                   {"FOMAML was meta-trained as Finn et al. did, with transductive BatchNorm", "one drawing at a time", "statistics of your examples (the support set)"},
		"fomaml-scratch-supportbn": {"statistics of your examples (the support set)", "as it was meta-trained", "one drawing at a time"},
		"reptile":                  {"Reptile was meta-trained as Nichol et al. did, with transductive BatchNorm", "one drawing at a time", "statistics of your examples (the support set)"},
		"reptile-conv4":            {"statistics of your examples (the support set)", "as it was meta-trained", "one drawing at a time"},
	} {
		data, err := os.ReadFile("../../assets/models/" + file + ".safetensors")
		if err != nil {
			t.Fatal(err)
		}
		a := strings.Split(file, "-")[0]
		s := newState(t)
		s.SetWeights(BundledWeights(a, file, data, nil))
		s.SetAlgorithm(a)
		note := s.BNNote()
		for _, w := range want {
			if !strings.Contains(note, w) {
				t.Errorf("%s: BN note %q lacks %q", file, note, w)
			}
		}
		if strings.Contains(file, "-") && strings.Contains(note, "transductive") {
			t.Errorf("%s: BN note %q", file, note)
		}
	}
	s := newState(t)
	if note := s.BNNote(); note != "" {
		t.Errorf("ProtoNet: BN note %q", note)
	}
}
