package app

// Key handles a key press that reached the page outside a text field: the
// KeyboardEvent's key, whether Ctrl or Meta was held, and the pad the user
// last drew on. It reports whether the key was a shortcut (so the page
// prevents its default action):
//
//	Ctrl+Z (or Cmd+Z)     undo the last stroke of the last pad drawn on
//	Delete, Backspace     clear that pad
//	1 … 9                 select class 1 … 9
//	Enter                 add the drawing pad's drawing to the selected class
func (s *State) Key(key string, ctrl bool, last Pad) bool {
	switch {
	case ctrl && (key == "z" || key == "Z"):
		s.Undo(last)
	case ctrl:
		return false
	case key == "Delete" || key == "Backspace":
		s.Clear(last)
	case len(key) == 1 && key[0] >= '1' && key[0] <= '9':
		i := int(key[0] - '1')
		if i >= s.Classes.Len() {
			s.Message = "There is no class " + key + "."
			return true
		}
		s.Select(i)
		s.Message = "Selected " + s.Classes.Class(i).Name + "."
	case key == "Enter":
		s.AddExample()
	default:
		return false
	}
	return true
}

// IsShortcut reports whether Key handles key (with Ctrl or Meta when
// ctrl), so that the page prevents only those keys' default actions
// before Key runs.
func IsShortcut(key string, ctrl bool) bool {
	if ctrl {
		return key == "z" || key == "Z"
	}
	return key == "Delete" || key == "Backspace" || key == "Enter" || (len(key) == 1 && key[0] >= '1' && key[0] <= '9')
}
