package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"metaglot/core/algo"
	"metaglot/core/gemm"
	"metaglot/core/learner"
	"metaglot/core/preprocess"
	"metaglot/core/tensor"
)

func classifyCommand() command {
	return command{name: "classify", summary: "classify PNG drawings given a folder of labelled examples", run: runClassify}
}

// classifyResult is one query of classify's JSON output.
type classifyResult struct {
	File  string             `json:"file"`
	Class string             `json:"class"`
	Prob  float64            `json:"prob"`
	Probs map[string]float64 `json:"probs"`
}

func runClassify(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("classify", "-algo "+strings.Join(algo.Names(), "|")+" [-model FILE] -support DIR -query DIR [-json]", stderr)
	mf := addModelFlags(fs)
	supportDir := fs.String("support", "", "folder of labelled examples: one subfolder of PNGs per class (class = folder name), or PNG files that are each their own class (class = file name without .png)")
	queryDir := fs.String("query", "", "folder of PNG drawings to classify")
	asJSON := fs.Bool("json", false, `print an array of {"file","class","prob","probs":{class:prob}}`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *supportDir == "" || *queryDir == "" {
		return usagef("-support and -query are required")
	}
	if err := mf.check(); err != nil {
		return err
	}
	classes, support, labels, err := readSupport(*supportDir)
	if err != nil {
		return err
	}
	queryFiles, err := pngFiles(*queryDir, "-query")
	if err != nil {
		return err
	}
	if len(queryFiles) == 0 {
		return fmt.Errorf("-query %s: no PNG files", *queryDir)
	}
	queries, err := readImages(queryFiles)
	if err != nil {
		return err
	}

	par := gemm.NewPool(*mf.threads)
	defer par.Close()
	l, m, path, err := mf.load("vinyals", par)
	if err != nil {
		return err
	}
	if m.Config.hasHead() && m.Config.Way != len(classes) {
		return usagef("-support %s has %d classes, but the head of %s has %d (use -proto-head, or a %d-class support folder)", *supportDir, len(classes), path, m.Config.Way, m.Config.Way)
	}
	c, err := l.Adapt(&learner.Task{Way: len(classes), Support: support, SupportLabels: labels})
	if err != nil {
		return err
	}
	p, err := c.Probs(queries)
	if err != nil {
		return err
	}

	results := make([]classifyResult, len(queryFiles))
	for i, f := range queryFiles {
		row := p.Data[i*len(classes) : (i+1)*len(classes)]
		best := learner.Argmax(row)
		r := classifyResult{File: filepath.Base(f), Class: classes[best], Prob: float64(row[best]), Probs: map[string]float64{}}
		for k, name := range classes {
			r.Probs[name] = float64(row[k])
		}
		results[i] = r
	}
	if *asJSON {
		b, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	for _, r := range results {
		if _, err := fmt.Fprintf(stdout, "%s\t%s\t%.3f\n", r.File, r.Class, r.Prob); err != nil {
			return err
		}
	}
	return nil
}

// readSupport reads a support folder: either one subfolder per class, each
// with at least one PNG, or PNG files that are each a class. It returns the
// class names (sorted) and the images with their labels.
func readSupport(dir string) (classes []string, images *tensor.Tensor, labels []int, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("-support: %w", err)
	}
	var subdirs []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			subdirs = append(subdirs, e.Name())
		}
	}
	var files []string
	if len(subdirs) > 0 {
		loose, err := pngFiles(dir, "-support")
		if err != nil {
			return nil, nil, nil, err
		}
		if len(loose) > 0 {
			return nil, nil, nil, fmt.Errorf("-support %s mixes class folders with loose files (%s): use one layout", dir, filepath.Base(loose[0]))
		}
		for _, name := range subdirs {
			sub := filepath.Join(dir, name)
			fs, err := pngFiles(sub, "-support")
			if err != nil {
				return nil, nil, nil, err
			}
			if len(fs) == 0 {
				return nil, nil, nil, fmt.Errorf("-support: class folder %s holds no PNG files", sub)
			}
			for _, f := range fs {
				files = append(files, f)
				labels = append(labels, len(classes))
			}
			classes = append(classes, name)
		}
	} else {
		if files, err = pngFiles(dir, "-support"); err != nil {
			return nil, nil, nil, err
		}
		for i, f := range files {
			classes = append(classes, strings.TrimSuffix(filepath.Base(f), filepath.Ext(f)))
			labels = append(labels, i)
		}
	}
	if len(classes) == 0 {
		return nil, nil, nil, fmt.Errorf("-support %s is empty: put one folder of PNGs per class in it, or one PNG per class", dir)
	}
	if len(classes) < 2 {
		return nil, nil, nil, fmt.Errorf("-support %s has only the class %q: classifying needs at least 2", dir, classes[0])
	}
	if images, err = readImages(files); err != nil {
		return nil, nil, nil, err
	}
	return classes, images, labels, nil
}

// pngFiles returns the regular files of dir in name order, skipping hidden
// files and folders. A file without the .png extension is an error.
func pngFiles(dir, flagName string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flagName, err)
	}
	var files []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || e.IsDir() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if !strings.EqualFold(filepath.Ext(e.Name()), ".png") {
			return nil, fmt.Errorf("%s: %s is not a PNG file (only .png files may be there)", flagName, p)
		}
		files = append(files, p)
	}
	slices.Sort(files)
	return files, nil
}

// readImages decodes and preprocesses the PNG files into an N×1×28×28
// tensor (1 = ink), naming the file that fails.
func readImages(files []string) (*tensor.Tensor, error) {
	t := tensor.New(len(files), 1, 28, 28)
	for i, f := range files {
		img, err := decodePNG(f)
		if err != nil {
			return nil, err
		}
		x, err := preprocess.FromImage(img)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		copy(t.Data[i*784:(i+1)*784], x)
	}
	return t, nil
}

// decodePNG decodes the PNG file at path, refusing one over
// preprocess.MaxPixels from its header alone (see preprocess.DecodePNG).
// Errors name the file.
func decodePNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := preprocess.DecodePNG(bufio.NewReader(f))
	switch {
	case errors.Is(err, preprocess.ErrTooLarge):
		return nil, fmt.Errorf("%s: %v (scale the drawing down)", path, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, fmt.Errorf("%s: truncated PNG", path)
	case err != nil:
		return nil, fmt.Errorf("%s: not a readable PNG: %v", path, err)
	}
	return img, nil
}
