package omniglot

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Format names the layout of index.json that this package reads.
const Format = "metaglot-omniglot-1"

// ImageSize is the side of one stored image, and Drawers the number of
// drawings (columns of a sheet) per character.
const (
	ImageSize = 28
	Drawers   = 20
)

// Index is the content of index.json: which alphabets and characters exist
// and where their images are.
type Index struct {
	Format      string     `json:"format"`     // always Format
	ImageSize   int        `json:"image_size"` // side of a cell: 28
	Drawers     int        `json:"drawers"`    // columns of a sheet: 20
	Ink         string     `json:"ink"`        // how pixels encode ink, in words
	Source      string     `json:"source"`     // how the assets were made
	Attribution string     `json:"attribution"`
	License     string     `json:"license"`
	Alphabets   []Alphabet `json:"alphabets"`
}

// Alphabet is one alphabet of the index.
type Alphabet struct {
	Name       string      `json:"name"` // e.g. "Latin"
	Set        string      `json:"set"`  // "background" or "evaluation"
	File       string      `json:"file"` // its sprite sheet, relative to index.json
	Characters []Character `json:"characters"`
}

// Character is one character of an alphabet.
type Character struct {
	Name    string `json:"name"`    // "character01", numbered from 01 as in the original release
	ID      int    `json:"id"`      // global id 1..1623 (the prefix of the original file names)
	Row     int    `json:"row"`     // its row in the alphabet's sheet
	Vinyals string `json:"vinyals"` // its Vinyals split: "train", "val" or "test"
}

// ParseIndex decodes and checks index.json. The checks: the format, image
// size and drawer count this package expects; unique alphabet names and
// sheet files that are plain names ending in .png; sets "background" or "evaluation"; global ids unique; rows
// 0..n−1 in order; Vinyals split "train", "val" or "test".
func ParseIndex(data []byte) (*Index, error) {
	var ix Index
	if err := json.Unmarshal(data, &ix); err != nil {
		return nil, fmt.Errorf("omniglot: index: %w", err)
	}
	if ix.Format != Format {
		return nil, fmt.Errorf("omniglot: index format %q, want %q (regenerate the assets with make assets)", ix.Format, Format)
	}
	if ix.ImageSize != ImageSize || ix.Drawers != Drawers {
		return nil, fmt.Errorf("omniglot: index has %d drawers of %dx%d images, want %d of %dx%d",
			ix.Drawers, ix.ImageSize, ix.ImageSize, Drawers, ImageSize, ImageSize)
	}
	if len(ix.Alphabets) == 0 {
		return nil, fmt.Errorf("omniglot: index lists no alphabets")
	}
	names, files, ids := map[string]bool{}, map[string]bool{}, map[int]string{}
	for _, a := range ix.Alphabets {
		switch {
		case a.Name == "" || names[a.Name]:
			return nil, fmt.Errorf("omniglot: index: alphabet name %q empty or repeated", a.Name)
		case files[a.File] || !strings.HasSuffix(a.File, ".png") || strings.ContainsAny(a.File, "/\\") || strings.HasPrefix(a.File, "."):
			return nil, fmt.Errorf("omniglot: index: alphabet %s: sheet file %q repeated or not a plain .png file name", a.Name, a.File)
		case a.Set != "background" && a.Set != "evaluation":
			return nil, fmt.Errorf("omniglot: index: alphabet %s: set %q, want background or evaluation", a.Name, a.Set)
		case len(a.Characters) == 0:
			return nil, fmt.Errorf("omniglot: index: alphabet %s has no characters", a.Name)
		}
		names[a.Name], files[a.File] = true, true
		for i, c := range a.Characters {
			if c.Row != i {
				return nil, fmt.Errorf("omniglot: index: %s/%s: row %d, want %d", a.Name, c.Name, c.Row, i)
			}
			if prev, ok := ids[c.ID]; ok || c.ID < 1 {
				return nil, fmt.Errorf("omniglot: index: %s/%s: id %d invalid or also used by %s", a.Name, c.Name, c.ID, prev)
			}
			ids[c.ID] = a.Name + "/" + c.Name
			if c.Vinyals != "train" && c.Vinyals != "val" && c.Vinyals != "test" {
				return nil, fmt.Errorf("omniglot: index: %s/%s: Vinyals split %q, want train, val or test", a.Name, c.Name, c.Vinyals)
			}
		}
	}
	return &ix, nil
}
