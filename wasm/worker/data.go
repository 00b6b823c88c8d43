package main

import (
	"errors"
	"fmt"
	"io/fs"

	"metaglot/core/omniglot"
	"metaglot/wasm/site"
	"metaglot/wasm/trainer"
)

// sheets returns the sprite sheets the trainer's splits need (training and
// held-out), each once, in the order of the splits' alphabets: the
// alphabets' names and their paths on the site.
func sheets(ds *omniglot.Dataset) (names, paths []string, err error) {
	file := map[string]string{}
	for _, a := range ds.Index().Alphabets {
		file[a.Name] = a.File
	}
	seen := map[string]bool{}
	for _, split := range []string{trainer.TrainSplit, trainer.TestSplit} {
		s, err := ds.Split(split)
		if err != nil {
			return nil, nil, err
		}
		for _, n := range ds.Alphabets(s) {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
				paths = append(paths, site.OmniglotSheet(file[n]))
			}
		}
	}
	return names, paths, nil
}

// bundledWeights parses algo's bundled weights file, data as fetched from
// path (fetchErr: the fetch failed; a missing file matches
// fs.ErrNotExist, which says to start from scratch). A file without the
// algorithm in its metadata is taken as algo's.
func bundledWeights(algo, path string, data []byte, fetchErr error) (*trainer.Weights, error) {
	if errors.Is(fetchErr, fs.ErrNotExist) {
		return nil, fmt.Errorf("this build has no bundled %s weights (%s): start from scratch", algo, path)
	}
	if fetchErr != nil {
		return nil, fetchErr
	}
	w, err := trainer.ParseWeights(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if w.Algo == "" {
		w.Algo = algo
	}
	return w, nil
}
