package classes

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"metaglot/core/preprocess"
	"metaglot/wasm/pad"
)

// Format is the value of the "format" field of the JSON document.
const Format = "metaglot-classes"

// Version is the document version Encode writes and Decode reads.
const Version = 1

// Limits Decode enforces on drawings (beyond MaxClasses and MaxExamples).
const (
	maxStrokes = pad.MaxStrokes
	maxPoints  = pad.MaxPoints // per stroke
	// coordLimit bounds |coordinate|: a stroke may leave the frame a bit.
	coordLimit = 10 * pad.FrameSize
)

type docJSON struct {
	Format  string      `json:"format"`
	Version int         `json:"version"`
	Classes []classJSON `json:"classes"`
}

type classJSON struct {
	Name     string        `json:"name"`
	Examples []exampleJSON `json:"examples"`
}

type exampleJSON struct {
	Strokes [][][]float64 `json:"strokes,omitempty"`
	Image28 string        `json:"image28,omitempty"`
}

// Encode returns the JSON document for l. Coordinates are rounded to 0.01
// frame pixels and images to 8 bits.
func (l *List) Encode() []byte {
	doc := docJSON{Format: Format, Version: Version, Classes: make([]classJSON, len(l.classes))}
	for i, c := range l.classes {
		cj := classJSON{Name: c.Name, Examples: make([]exampleJSON, len(c.Examples))}
		for j, e := range c.Examples {
			var ej exampleJSON
			if len(e.Strokes) > 0 {
				for _, s := range e.Strokes {
					pts := make([][]float64, len(s))
					for k, p := range s {
						pts[k] = []float64{round2(p.X), round2(p.Y)}
					}
					ej.Strokes = append(ej.Strokes, pts)
				}
			} else {
				b := make([]byte, len(e.Image))
				for k, v := range e.Image {
					b[k] = byte(math.Round(float64(min(1, max(0, v))) * 255))
				}
				ej.Image28 = base64.StdEncoding.EncodeToString(b)
			}
			cj.Examples[j] = ej
		}
		doc.Classes[i] = cj
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic("classes: " + err.Error()) // plain data always marshals
	}
	return b
}

func round2(v float32) float64 { return math.Round(float64(v)*100) / 100 }

// Decode parses a JSON document made by Encode and returns its classes. It
// returns an error naming the first problem: more than MaxFileBytes, not
// JSON, another format or
// version, too many classes or examples, a bad or duplicate name, an
// example with neither or both of strokes and image, too many strokes or
// points, a coordinate that is not finite or far outside the frame, or an
// image that is not 784 bytes of base64. Names are cleaned (CleanName).
func Decode(data []byte) (*List, error) {
	if err := CheckFileSize(int64(len(data))); err != nil {
		return nil, err
	}
	var doc docJSON
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not a metaglot classes file (invalid JSON: %v)", err)
	}
	if doc.Format != Format {
		return nil, fmt.Errorf("not a metaglot classes file (format %q, want %q)", doc.Format, Format)
	}
	if doc.Version != Version {
		return nil, fmt.Errorf("classes file version %d is not supported (want %d)", doc.Version, Version)
	}
	if len(doc.Classes) > MaxClasses {
		return nil, fmt.Errorf("the file has %d classes; at most %d are allowed", len(doc.Classes), MaxClasses)
	}
	l := &List{}
	for i, cj := range doc.Classes {
		if _, err := l.Add(cj.Name); err != nil {
			return nil, fmt.Errorf("class %d: %w", i+1, err)
		}
		if len(cj.Examples) > MaxExamples {
			return nil, fmt.Errorf("class %q has %d examples; at most %d are allowed", cj.Name, len(cj.Examples), MaxExamples)
		}
		for j, ej := range cj.Examples {
			e, err := decodeExample(ej)
			if err != nil {
				return nil, fmt.Errorf("class %q, example %d: %w", cj.Name, j+1, err)
			}
			l.classes[i].Examples = append(l.classes[i].Examples, e)
		}
	}
	return l, nil
}

func decodeExample(ej exampleJSON) (Example, error) {
	switch {
	case len(ej.Strokes) > 0 && ej.Image28 != "":
		return Example{}, errors.New("has both strokes and an image")
	case len(ej.Strokes) > 0:
		if len(ej.Strokes) > maxStrokes {
			return Example{}, fmt.Errorf("%d strokes; at most %d are allowed", len(ej.Strokes), maxStrokes)
		}
		var e Example
		for k, sj := range ej.Strokes {
			if len(sj) == 0 || len(sj) > maxPoints {
				return Example{}, fmt.Errorf("stroke %d has %d points; want 1 to %d", k+1, len(sj), maxPoints)
			}
			s := make(pad.Stroke, len(sj))
			for m, p := range sj {
				if len(p) != 2 {
					return Example{}, fmt.Errorf("stroke %d, point %d: want [x, y], got %d numbers", k+1, m+1, len(p))
				}
				if !(math.Abs(p[0]) <= coordLimit && math.Abs(p[1]) <= coordLimit) {
					return Example{}, fmt.Errorf("stroke %d, point %d: coordinate %v is outside the drawing area", k+1, m+1, p)
				}
				s[m] = pad.Point{X: float32(p[0]), Y: float32(p[1])}
			}
			e.Strokes = append(e.Strokes, s)
		}
		return e, nil
	case ej.Image28 != "":
		b, err := base64.StdEncoding.DecodeString(ej.Image28)
		if err != nil {
			return Example{}, fmt.Errorf("image28 is not base64: %v", err)
		}
		if len(b) != preprocess.Size*preprocess.Size {
			return Example{}, fmt.Errorf("image28 has %d bytes, want %d", len(b), preprocess.Size*preprocess.Size)
		}
		img := make([]float32, len(b))
		for k, v := range b {
			img[k] = float32(v) / 255
		}
		return Example{Image: img}, nil
	}
	return Example{}, errors.New("has neither strokes nor an image")
}
