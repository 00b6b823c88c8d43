package classes

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"metaglot/core/preprocess"
	"metaglot/wasm/pad"
)

const (
	// MaxClasses is the most classes a List holds.
	MaxClasses = 20
	// MaxExamples is the most examples a class holds.
	MaxExamples = 20
	// MaxNameLen is the longest class name, in characters.
	MaxNameLen = 40
	// MaxFileBytes is the largest classes document Decode reads, and the
	// largest file the page's import reads: 16 MB. A full list (20
	// classes of 20 drawings of a few hundred points each) is about 2 MB;
	// real 28×28 images take 1 KB each.
	MaxFileBytes = 16 << 20
)

// CheckFileSize refuses a classes file of size bytes above MaxFileBytes,
// with an error that says both sizes.
func CheckFileSize(size int64) error {
	if size > MaxFileBytes {
		return fmt.Errorf("the file is %.1f MB; a classes file has at most %d MB", float64(size)/(1<<20), MaxFileBytes>>20)
	}
	return nil
}

// Example is one drawing of a class: Strokes in the pad frame, or, when
// Strokes is empty, a 28×28 ink image in Image (1 is ink).
type Example struct {
	Strokes []pad.Stroke
	Image   []float32
}

// Image28 writes the example's 28×28 network input into dst (length
// 28·28). Strokes are rasterised with pen into the 105×105 frame and
// shrunk by preprocess.Resize28. It panics if len(dst) != 28·28.
func (e Example) Image28(pen pad.Pen, dst []float32) {
	if len(dst) != preprocess.Size*preprocess.Size {
		panic(fmt.Sprintf("classes: Image28 into %d values", len(dst)))
	}
	if len(e.Strokes) == 0 {
		if len(e.Image) == len(dst) {
			copy(dst, e.Image)
		} else {
			clear(dst)
		}
		return
	}
	Render28(pen, e.Strokes, dst)
}

// Render28 rasterises strokes with pen into the 105×105 frame and shrinks
// the raster to dst (28·28) with preprocess.Resize28.
func Render28(pen pad.Pen, strokes []pad.Stroke, dst []float32) {
	ink := make([]float32, pad.FrameSize*pad.FrameSize)
	pen.Rasterize(ink, pad.FrameSize, strokes)
	preprocess.Resize28(ink, pad.FrameSize, pad.FrameSize, dst)
}

// Class is a named class with its examples.
type Class struct {
	Name     string
	Examples []Example
}

// List is the ordered list of classes. The zero value is empty.
type List struct {
	classes []Class
}

// Errors the edits return, for the page to explain.
var (
	ErrFull        = errors.New("there are already 20 classes: delete one first")
	ErrClassFull   = errors.New("this class already has 20 examples: delete one first")
	ErrNoSuchClass = errors.New("no such class")
)

// Len returns the number of classes.
func (l *List) Len() int { return len(l.classes) }

// Class returns class i. The Class shares its examples with the list:
// callers must not modify them. It panics if i is out of range.
func (l *List) Class(i int) Class { return l.classes[i] }

// Examples returns the total number of examples over all classes.
func (l *List) Examples() int {
	n := 0
	for _, c := range l.classes {
		n += len(c.Examples)
	}
	return n
}

// CheckName returns the cleaned name (see CleanName) or an error if it is
// empty, too long or, for a class other than self (−1 for none), already
// taken. Every way a name comes in — typed, imported, restored from
// storage — passes here.
func (l *List) CheckName(name string, self int) (string, error) {
	name = CleanName(name)
	switch {
	case name == "":
		return "", errors.New("a class needs a name")
	case utf8.RuneCountInString(name) > MaxNameLen:
		return "", fmt.Errorf("class names have at most %d characters", MaxNameLen)
	}
	for i, c := range l.classes {
		if i != self && c.Name == name {
			return "", fmt.Errorf("there is already a class named %q", name)
		}
	}
	return name, nil
}

// CleanName returns name as the page shows it: every space character
// (tab, newline, no-break space, line separator, …) becomes a plain space,
// control and format characters (Unicode categories Cc and Cf: NUL, the
// bidirectional overrides and isolates U+202A–U+202E and U+2066–U+2069,
// the marks U+200E and U+200F, zero-width characters) are dropped, so
// that "a\u202Eevil" cannot show as reversed text, and the spaces at
// either end are trimmed. Bytes that are not UTF-8 become U+FFFD.
func CleanName(name string) string {
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.In(r, unicode.Cc, unicode.Cf):
			return -1
		}
		return r
	}, name)
	return strings.TrimSpace(name)
}

// NextName returns the first of "Class 1", "Class 2", … not yet taken.
func (l *List) NextName() string {
	for i := 1; ; i++ {
		n := fmt.Sprintf("Class %d", i)
		if _, err := l.CheckName(n, -1); err == nil {
			return n
		}
	}
}

// Add appends an empty class and returns its index.
func (l *List) Add(name string) (int, error) {
	if len(l.classes) >= MaxClasses {
		return 0, ErrFull
	}
	name, err := l.CheckName(name, -1)
	if err != nil {
		return 0, err
	}
	l.classes = append(l.classes, Class{Name: name})
	return len(l.classes) - 1, nil
}

// Rename gives class i a new name.
func (l *List) Rename(i int, name string) error {
	if i < 0 || i >= len(l.classes) {
		return ErrNoSuchClass
	}
	name, err := l.CheckName(name, i)
	if err != nil {
		return err
	}
	l.classes[i].Name = name
	return nil
}

// Delete removes class i.
func (l *List) Delete(i int) error {
	if i < 0 || i >= len(l.classes) {
		return ErrNoSuchClass
	}
	l.classes = append(l.classes[:i:i], l.classes[i+1:]...)
	return nil
}

// AddExample appends e (its strokes copied) to class i.
func (l *List) AddExample(i int, e Example) error {
	if i < 0 || i >= len(l.classes) {
		return ErrNoSuchClass
	}
	if len(l.classes[i].Examples) >= MaxExamples {
		return ErrClassFull
	}
	if len(e.Strokes) == 0 && len(e.Image) != preprocess.Size*preprocess.Size {
		return errors.New("an example needs strokes or a 28×28 image")
	}
	c := Example{Image: append([]float32(nil), e.Image...)}
	for _, s := range e.Strokes {
		c.Strokes = append(c.Strokes, append(pad.Stroke(nil), s...))
	}
	l.classes[i].Examples = append(l.classes[i].Examples, c)
	return nil
}

// DeleteExample removes example j of class i.
func (l *List) DeleteExample(i, j int) error {
	if i < 0 || i >= len(l.classes) {
		return ErrNoSuchClass
	}
	ex := l.classes[i].Examples
	if j < 0 || j >= len(ex) {
		return fmt.Errorf("class %q has no example %d", l.classes[i].Name, j+1)
	}
	l.classes[i].Examples = append(ex[:j:j], ex[j+1:]...)
	return nil
}

// Replace makes l hold the classes of m (after a successful Decode).
func (l *List) Replace(m *List) { l.classes = m.classes }
