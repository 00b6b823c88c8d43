package omniglot

import (
	"fmt"
	"os"
	"path/filepath"
)

// LoadDir reads index.json from dir and the sheets of the alphabets that
// the named splits need (every alphabet when no split is named). It is the
// native convenience around ParseIndex, New and AddAlphabetSheet; the
// browser calls those with fetched bytes.
func LoadDir(dir string, splits ...string) (*Dataset, error) {
	data, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		return nil, fmt.Errorf("omniglot: %w (the assets live in the repository's assets/omniglot)", err)
	}
	ix, err := ParseIndex(data)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, dir)
	}
	d := New(ix)
	var names []string
	if len(splits) == 0 {
		for _, a := range ix.Alphabets {
			names = append(names, a.Name)
		}
	}
	for _, name := range splits {
		s, err := d.Split(name)
		if err != nil {
			return nil, err
		}
		names = append(names, d.Alphabets(s)...)
	}
	for _, name := range names {
		if d.Loaded(name) {
			continue
		}
		file := ix.Alphabets[d.byName[name]].File
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			return nil, fmt.Errorf("omniglot: %w", err)
		}
		if err := d.AddAlphabetSheet(name, b); err != nil {
			return nil, err
		}
	}
	return d, nil
}
