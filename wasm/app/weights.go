package app

import (
	"encoding/json"
	"fmt"

	"metaglot/core/modelfile"
)

// TrainedNote describes trained weights from their file's metadata for the
// page's footer: "Trained ProtoNet weights (4000 training episodes, started
// from protonet weights of 10408 episodes)." Missing or unreadable entries
// are left out.
func TrainedNote(label string, meta map[string]string) string {
	note := "Trained " + label + " weights"
	if e := meta["episodes"]; e != "" {
		note += " (" + e + " training episodes"
		var c modelfile.Config
		if json.Unmarshal([]byte(meta["config"]), &c) == nil && c.Init != "" {
			if in, err := modelfile.ParseInit(c.Init); err == nil {
				note += fmt.Sprintf(", started from %s weights of %d episodes", in.Algo, in.Episodes)
			}
		}
		note += ")"
	}
	return note + "."
}
