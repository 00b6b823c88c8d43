package app

import (
	"fmt"

	"metaglot/wasm/classes"
	"metaglot/wasm/classify"
)

// StorageKey is the localStorage key the page keeps the classes under.
const StorageKey = "metaglot.classes.v1"

// UnreadableKey is where the page copies stored classes it cannot read,
// so that the next save cannot overwrite them.
const UnreadableKey = StorageKey + ".unreadable"

// Storage is where the page keeps the classes between visits (the
// browser's localStorage): Get reports whether key holds a value, Set
// may fail (quota, storage refused).
type Storage interface {
	Get(key string) (string, bool)
	Set(key, value string) error
}

// Save writes the classes to st when they changed since the last Save and
// are the user's own: a Try Omniglot set (Demo) is never stored, so the
// user's classes stay in storage meanwhile. A failure is shown in Message
// (the classes stay in memory).
func (s *State) Save(st Storage) {
	if s.Demo || s.Version == s.savedVersion {
		return
	}
	s.savedVersion = s.Version
	if err := st.Set(StorageKey, string(s.Saved())); err != nil {
		s.StorageFailed(err)
	}
}

// Load restores the classes stored in st, if any. Unreadable ones change
// nothing, are copied aside under UnreadableKey (so that the next Save
// cannot overwrite them) and Message says so.
func (s *State) Load(st Storage) {
	text, ok := st.Get(StorageKey)
	if !ok {
		return
	}
	if err := s.Restore([]byte(text)); err != nil {
		if st.Set(UnreadableKey, text) == nil {
			s.Message += " A copy is kept under the key " + UnreadableKey + "."
		}
	}
}

// MyClasses leaves a Try Omniglot set and brings back the classes stored
// in st (an empty list when there are none or they cannot be read).
func (s *State) MyClasses(st Storage) {
	s.Demo = false
	s.Omniglot = nil
	if text, ok := st.Get(StorageKey); ok {
		if err := s.Restore([]byte(text)); err == nil {
			s.Message = "Your classes are back."
			return
		}
	}
	s.replace(&classes.List{})
	s.Message = "No stored classes: start by adding one."
}

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
	s.Demo = false
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

// replace makes l the classes. The query was drawn (or picked) for the old
// ones, so it goes too, with its result: it would otherwise be classified
// against classes it was never meant for.
func (s *State) replace(l *classes.List) {
	s.Classes.Replace(l)
	s.Query.Clear()
	s.QueryImage, s.QueryLabel = nil, ""
	s.Result, s.HaveResult = classify.Result{}, false
	s.Selected = -1
	if l.Len() > 0 {
		s.Selected = 0
	}
	s.Omniglot = nil
	s.Lake, s.LakeRun, s.Challenge = false, 0, nil
	s.changed()
	s.reclassify()
}

// StorageFailed records that saving to the browser failed (quota, private
// mode): the classes stay in memory and the user is told to export them.
func (s *State) StorageFailed(err error) {
	s.Message = "Could not save your classes in this browser (" + err.Error() + "). They are still here: use “Export JSON” to keep them."
}
