package trainview

import (
	"metaglot/core/algo"
	"metaglot/wasm/trainer/protocol"
)

// Command returns the worker's command that starts the run.
func (s Start) Command() protocol.Command {
	c := s.Config
	return protocol.Command{Type: protocol.CmdStart, Config: &c, Init: s.Init}
}

// Summary returns the run's settings for window.metaglot: {algo, init,
// and each setting by its JSON name} (a number, a bool or a string; the
// seed as text, since JavaScript's numbers hold 53 bits).
func (s Start) Summary() map[string]any {
	m := map[string]any{"algo": s.Config.Algo, "init": s.Init}
	for _, st := range algo.Settings() {
		if st.Kind == algo.Uint {
			m[st.Name] = st.Format(s.Config)
		} else {
			m[st.Name] = st.Get(s.Config)
		}
	}
	return m
}
