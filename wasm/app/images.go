package app

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"

	"metaglot/core/preprocess"
	"metaglot/wasm/classes"
	"metaglot/wasm/pad"
)

// MaxImageFileBytes is the largest image file the page reads (checked
// from the file's size, before reading it): 32 MiB.
const MaxImageFileBytes = 32 << 20

// CheckImageFile refuses an image file of size bytes before it is read
// when it is larger than MaxImageFileBytes, naming the file.
func CheckImageFile(name string, size int64) error {
	if size > MaxImageFileBytes {
		return fmt.Errorf("%s: %d bytes, more than the %d MiB an image may have", name, size, MaxImageFileBytes>>20)
	}
	return nil
}

// Drawings returns the 28×28 network inputs (1 = ink) of the drawings in
// a PNG or JPEG file, through the one preprocessing path the command
// line's classify takes (preprocess.FromImage). A class sheet as
// ExportClass writes it — one row of 105×105 frames, as tall as a frame
// and a whole number (2 or more) of frames wide — gives one drawing per
// frame; any other picture is one drawing. Errors name the file (and the
// frame of a sheet).
func Drawings(name string, data []byte) ([][]float32, error) {
	img, err := decodeImage(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	b := img.Bounds()
	const fs = pad.FrameSize
	if b.Dy() != fs || b.Dx() < 2*fs || b.Dx()%fs != 0 {
		x, err := preprocess.FromImage(img)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return [][]float32{x}, nil
	}
	sub, ok := img.(interface {
		SubImage(r image.Rectangle) image.Image
	})
	if !ok {
		return nil, fmt.Errorf("%s: cannot cut this image into frames", name)
	}
	n := b.Dx() / fs
	out := make([][]float32, n)
	for j := range n {
		r := image.Rect(b.Min.X+j*fs, b.Min.Y, b.Min.X+(j+1)*fs, b.Max.Y)
		x, err := preprocess.FromImage(sub.SubImage(r))
		if err != nil {
			return nil, fmt.Errorf("%s: drawing %d of %d: %w", name, j+1, n, err)
		}
		out[j] = x
	}
	return out, nil
}

// decodeImage decodes a PNG (preprocess.DecodePNG) or a JPEG, refusing
// one of more than preprocess.MaxPixels from its header alone.
func decodeImage(data []byte) (image.Image, error) {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		img, err := preprocess.DecodePNG(bytes.NewReader(data))
		if err != nil && !errors.Is(err, preprocess.ErrTooLarge) {
			return nil, fmt.Errorf("not a readable PNG: %v", err)
		}
		return img, err
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("not a readable JPEG: %v", err)
		}
		if cfg.Width > 0 && cfg.Height > preprocess.MaxPixels/cfg.Width {
			return nil, fmt.Errorf("%dx%d JPEG: %w", cfg.Width, cfg.Height, preprocess.ErrTooLarge)
		}
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("not a readable JPEG: %v", err)
		}
		return img, nil
	}
	return nil, errors.New("not a PNG or JPEG image")
}

// AddImageFile adds the drawings of an image file (Drawings) to class i
// as examples, or, with i < 0, to the selected class (a new class if there
// is none). A file that cannot be read, or whose drawings do not fit in
// the class, adds nothing and Message says why; it reports whether the
// drawings were added.
func (s *State) AddImageFile(i int, name string, data []byte) bool {
	imgs, err := Drawings(name, data)
	if err != nil {
		s.Message = "Not added: " + err.Error() + "."
		return false
	}
	if i < 0 {
		if s.Selected < 0 {
			s.AddClass()
		}
		i = s.Selected
	}
	if i < 0 || i >= s.Classes.Len() {
		s.Message = "Not added: no class to add " + name + " to."
		return false
	}
	c := s.Classes.Class(i)
	if free := classes.MaxExamples - len(c.Examples); len(imgs) > free {
		s.Message = fmt.Sprintf("Not added: %s holds %s, and %s has room for %d more (at most %d).", name, Plural(len(imgs), "drawing"), c.Name, free, classes.MaxExamples)
		return false
	}
	for _, img := range imgs {
		if err := s.Classes.AddExample(i, classes.Example{Image: img}); err != nil {
			s.Message = "Not added: " + err.Error() + "."
			s.changed()
			s.reclassify()
			return false
		}
	}
	s.Message = fmt.Sprintf("Added %s from %s to %s.", Plural(len(imgs), "drawing"), name, c.Name)
	s.changed()
	s.reclassify()
	return true
}

// QueryImageFile makes the drawing of an image file the query (as a
// picked held-out drawing: drawing on the query pad drops it). A file
// that cannot be read, or holds several drawings, changes nothing and
// Message says why.
func (s *State) QueryImageFile(name string, data []byte) bool {
	imgs, err := Drawings(name, data)
	if err != nil {
		s.Message = "Not used as the query: " + err.Error() + "."
		return false
	}
	if len(imgs) != 1 {
		s.Message = fmt.Sprintf("Not used as the query: %s holds %d drawings; drop it on a class instead.", name, len(imgs))
		return false
	}
	s.Query.Clear()
	s.QueryImage, s.QueryLabel = imgs[0], name
	s.Message = "The query is " + name + "."
	s.reclassify()
	return true
}
