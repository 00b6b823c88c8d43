package main

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"metaglot/core/episode"
	"metaglot/core/omniglot"
)

func episodeCommand() command {
	return command{
		name:    "episode",
		summary: "draw one few-shot episode of Omniglot and save it as a picture",
		run:     runEpisode,
	}
}

func runEpisode(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("episode", "[-split NAME] [-way N] [-shot K] [-query Q] [-seed S] [-out FILE.png] [-assets DIR]", stderr)
	split := fs.String("split", "vinyals-test", "split to draw from: "+strings.Join(omniglot.SplitNames(), ", "))
	way := fs.Int("way", 5, "number of classes (N)")
	shot := fs.Int("shot", 1, "support images per class (K)")
	query := fs.Int("query", 3, "query images per class (Q)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed draws the same episode")
	oneAlphabet := fs.Bool("one-alphabet", false, "draw all classes from one alphabet (the Lake protocol)")
	alphabet := fs.String("alphabet", "", "draw all classes from this alphabet")
	out := fs.String("out", "episode.png", "PNG file to write")
	scale := fs.Int("scale", 3, "pixels per image pixel in the picture (1..8)")
	assets := fs.String("assets", "", "assets folder (default: assets/ of the repository around the working directory)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *scale < 1 || *scale > 8 {
		return usagef("-scale %d: want 1..8", *scale)
	}
	if !strings.HasSuffix(strings.ToLower(*out), ".png") {
		return usagef("-out %q: the picture is a PNG, name it .png", *out)
	}
	dir, err := omniglotDir(*assets)
	if err != nil {
		return err
	}
	if !containsString(omniglot.SplitNames(), *split) {
		return usagef("-split %q: want one of %s", *split, strings.Join(omniglot.SplitNames(), ", "))
	}
	ds, err := omniglot.LoadDir(dir, *split)
	if err != nil {
		return err
	}
	sp, err := ds.Split(*split)
	if err != nil {
		return err
	}
	cfg := episode.Config{Way: *way, Shot: *shot, Query: *query, OneAlphabet: *oneAlphabet, Alphabet: *alphabet}
	s, err := episode.NewSampler(ds, sp, cfg, rand.New(rand.NewPCG(*seed, 0)))
	if err != nil {
		return usageError{err}
	}
	ep := s.Sample()
	title := fmt.Sprintf("%s  %d-way %d-shot %d-query  seed %d", *split, *way, *shot, *query, *seed)
	img := drawEpisode(ep, ds, title, *scale)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("encoding %s: %w", *out, err)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	for l, c := range ep.Classes {
		fmt.Fprintf(stdout, "label %d: %s\n", l, ds.ClassName(c))
	}
	fmt.Fprintf(stdout, "wrote %s (%dx%d)\n", *out, img.Bounds().Dx(), img.Bounds().Dy())
	return nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// omniglotDir returns the folder holding index.json: flagDir (the assets
// folder or its omniglot/ subfolder) if given, else assets/omniglot in the
// working directory or the nearest parent that has one.
func omniglotDir(flagDir string) (string, error) {
	has := func(d string) bool {
		_, err := os.Stat(filepath.Join(d, "index.json"))
		return err == nil
	}
	if flagDir != "" {
		for _, d := range []string{flagDir, filepath.Join(flagDir, "omniglot")} {
			if has(d) {
				return d, nil
			}
		}
		return "", usagef("-assets %s: no index.json in it or in its omniglot/ folder", flagDir)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if c := filepath.Join(d, "assets", "omniglot"); has(c) {
			return c, nil
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return "", errors.New("cannot find assets/omniglot/index.json in the working directory or its parents; run from the repository or pass -assets DIR")
}

// drawEpisode renders an episode: one row per class with its label, its
// support images and its name, then the queries in episode order, each with
// its true label under it. Ink is drawn black on white.
func drawEpisode(ep *episode.Episode, ds *omniglot.Dataset, title string, scale int) *image.Gray {
	const (
		pad    = 6
		margin = 12
		labelW = 24
		lineH  = 16
	)
	cell := omniglot.ImageSize * scale
	face := basicfont.Face7x13
	names := make([]string, ep.Way)
	nameW := 0
	for l, c := range ep.Classes {
		names[l] = ds.ClassName(c)
		nameW = max(nameW, 7*len(names[l]))
	}
	nq := ep.Way * ep.Query
	cols := min(max(nq, 1), max(ep.Shot+nameW/(cell+pad)+1, 8))
	qrows := (nq + cols - 1) / cols
	supportW := labelW + ep.Shot*(cell+pad) + nameW
	width := 2*margin + max(supportW, labelW+cols*(cell+pad), 7*len(title))
	height := margin + lineH + // title
		lineH + ep.Way*(cell+pad) + // support header and rows
		lineH + qrows*(cell+lineH+pad) + margin // query header and grid
	img := image.NewGray(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	text := func(x, y int, s string) {
		d := font.Drawer{Dst: img, Src: image.Black, Face: face, Dot: fixed.P(x, y+11)}
		d.DrawString(s)
	}
	picture := func(x, y, i int) {
		pix := ep.Images.Data[i*28*28 : (i+1)*28*28]
		for py := range cell {
			for px := range cell {
				v := pix[(py/scale)*28+px/scale]
				img.SetGray(x+px, y+py, color.Gray{uint8(255 - int(v*255+0.5))})
			}
		}
		// A light frame shows where the cell ends.
		frame := color.Gray{210}
		for k := -1; k <= cell; k++ {
			img.SetGray(x+k, y-1, frame)
			img.SetGray(x+k, y+cell, frame)
			img.SetGray(x-1, y+k, frame)
			img.SetGray(x+cell, y+k, frame)
		}
	}
	y := margin
	text(margin, y, title)
	y += lineH
	text(margin, y, fmt.Sprintf("support (%d per class): label, images, class", ep.Shot))
	y += lineH
	for l := range ep.Way {
		text(margin, y+cell/2-6, fmt.Sprint(l))
		for k := range ep.Shot {
			picture(margin+labelW+k*(cell+pad), y, l*ep.Shot+k)
		}
		text(margin+labelW+ep.Shot*(cell+pad), y+cell/2-6, names[l])
		y += cell + pad
	}
	text(margin, y, fmt.Sprintf("queries (%d per class), true label below each", ep.Query))
	y += lineH
	for j := range nq {
		x := margin + labelW + (j%cols)*(cell+pad)
		yy := y + (j/cols)*(cell+lineH+pad)
		i := ep.NumSupport() + j
		picture(x, yy, i)
		text(x+cell/2-3, yy+cell+1, fmt.Sprint(ep.Labels[i]))
	}
	return img
}
