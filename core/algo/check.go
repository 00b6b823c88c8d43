package algo

import (
	"fmt"

	"metaglot/core/modelfile"
)

// SettingError is a setting a run cannot use.
type SettingError struct {
	// Name is the setting's JSON key (Setting.Name; "algo" for the
	// algorithm), the field a form marks.
	Name string
	// Args are the flags and values at fault as the CLI writes them:
	// "-way 1", "-shot 15 -query 10".
	Args string
	// Msg says what would do, without naming the setting: "want 2 to 5000".
	Msg string
}

// Error returns Args and Msg: "-way 1: want 2 to 5000".
func (e *SettingError) Error() string { return e.Args + ": " + e.Msg }

// Check returns nil if c names a registered algorithm and holds settings
// it can train with, and otherwise a *SettingError for the first problem:
// a setting out of its range or choices, a setting that does not apply to
// the algorithm set to anything but its zero value, too many images per
// episode or per step, or whatever the algorithm's Validate refuses.
func Check(c modelfile.Config) error {
	s, err := Lookup(c.Algo)
	if err != nil {
		return err
	}
	return check(s, c)
}

func check(s Spec, c modelfile.Config) error {
	for _, st := range settings {
		if !s.Applies(st.Name) {
			if !st.isZero(c) {
				return &SettingError{Name: st.Name, Args: fmt.Sprintf("-%s %s", st.Flag, st.Format(c)), Msg: fmt.Sprintf("%s does not use it", s.Name)}
			}
			continue
		}
		if err := st.check(c); err != nil {
			return err
		}
	}
	per := c.Shot + c.Query
	lake := c.Split == "lake"
	switch {
	case c.Rotations && !lake:
		return &SettingError{Name: "rotations", Args: "-rotations", Msg: "only for -split lake (the vinyals split's classes are turned already)"}
	case c.ValAlphabets > 0 && !lake:
		return &SettingError{Name: "val_alphabets", Args: fmt.Sprintf("-val-alphabets %d", c.ValAlphabets), Msg: "only for -split lake (alphabets held out of the background set)"}
	case per > Drawers:
		return &SettingError{Name: "query", Args: fmt.Sprintf("-shot %d -query %d", c.Shot, c.Query),
			Msg: fmt.Sprintf("want shot+query ≤ %d (the drawers of a character)", Drawers)}
	case c.Way*per > MaxEpisodeImages:
		return &SettingError{Name: "way", Args: fmt.Sprintf("-way %d -shot %d -query %d", c.Way, c.Shot, c.Query),
			Msg: fmt.Sprintf("%d images per episode, over the limit of %d", c.Way*per, MaxEpisodeImages)}
	case c.MetaBatch > MaxStepImages/(c.Way*per):
		return &SettingError{Name: "meta_batch", Args: fmt.Sprintf("-meta-batch %d", c.MetaBatch),
			Msg: fmt.Sprintf("want 1 to %d (at most %d images per step)", MaxStepImages/(c.Way*per), MaxStepImages)}
	}
	if s.Validate != nil {
		return s.Validate(c)
	}
	return nil
}
