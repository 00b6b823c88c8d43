package app

import (
	"fmt"

	"metaglot/wasm/classes"
)

// StorageKey is the localStorage key the page keeps the classes under.
const StorageKey = "metaglot.classes.v1"

// Saved returns the classes as the JSON document to store or export.
func (s *State) Saved() []byte { return s.Classes.Encode() }

// Restore replaces the classes with those of a stored document. A document
// that does not decode changes nothing: Restore says so in Message (the
// stored text is left alone by the page, so nothing is lost) and returns
// the error.
func (s *State) Restore(data []byte) error {
	l, err := classes.Decode(data)
	if err != nil {
		s.Message = "Saved classes could not be read (" + err.Error() + "); they are kept in storage untouched."
		return err
	}
	s.replace(l)
	return nil
}

// Import replaces the classes with those of an imported file; a broken or
// foreign file changes nothing and Message says why.
func (s *State) Import(name string, data []byte) error {
	l, err := classes.Decode(data)
	if err != nil {
		s.Message = fmt.Sprintf("Import of %s failed: %v. Your classes are unchanged.", name, err)
		return err
	}
	s.replace(l)
	s.Message = fmt.Sprintf("Imported %d classes from %s.", l.Len(), name)
	return nil
}

// CheckImport refuses a classes file of size bytes before it is read when
// it is larger than classes.MaxFileBytes: Message says so, naming the file
// and both sizes, and the classes stay.
func (s *State) CheckImport(name string, size int64) error {
	if err := classes.CheckFileSize(size); err != nil {
		s.Message = fmt.Sprintf("Import of %s failed: %v. Your classes are unchanged.", name, err)
		return err
	}
	return nil
}

func (s *State) replace(l *classes.List) {
	s.Classes.Replace(l)
	s.Selected = -1
	if l.Len() > 0 {
		s.Selected = 0
	}
	s.Omniglot = nil
	s.changed()
	s.reclassify()
}

// StorageFailed records that saving to the browser failed (quota, private
// mode): the classes stay in memory and the user is told to export them.
func (s *State) StorageFailed(err error) {
	s.Message = "Could not save your classes in this browser (" + err.Error() + "). They are still here: use “Export JSON” to keep them."
}
