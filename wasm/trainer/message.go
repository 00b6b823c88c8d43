package trainer

import (
	"encoding/json"
	"fmt"
)

// Command types: what the page asks of the worker.
const (
	CmdStart    = "start"    // Config: start a run
	CmdPause    = "pause"    // hold the run
	CmdResume   = "resume"   // continue it
	CmdStop     = "stop"     // end it, keeping the weights
	CmdWeights  = "weights"  // send the current weights (EvWeights)
	CmdLoad     = "load"     // Data: make a weights file the current weights
	CmdDrawings = "drawings" // Drawings: the user's classes for the embedding view
)

// Command is a message from the page to the worker.
type Command struct {
	Type     string    `json:"type"`
	Config   *Config   `json:"config,omitempty"`
	Data     []byte    `json:"data,omitempty"`
	Drawings *Drawings `json:"drawings,omitempty"`
	// Purpose says what the page wants weights for (CmdWeights): it comes
	// back in the EvWeights event.
	Purpose string `json:"purpose,omitempty"`
}

// Drawings are the user's classes: Images[i] (28×28 bytes, 255 = ink) is
// a drawing of class Labels[i], named Names[Labels[i]].
type Drawings struct {
	Images [][]byte `json:"images"`
	Labels []int    `json:"labels"`
	Names  []string `json:"names"`
}

// Event types: what the worker tells the page.
const (
	EvLoading  = "loading"  // Msg: progress of loading the images
	EvReady    = "ready"    // Limits: the worker can train
	EvState    = "state"    // State, Msg, Algo: the run's state changed
	EvInvalid  = "invalid"  // Field, Msg: a start refused before anything ran
	EvProgress = "progress" // Steps: meta-steps since the last progress
	EvEval     = "eval"     // Eval: held-out accuracy
	EvSnapshot = "snapshot" // Snapshot: the latest episode
	EvWeights  = "weights"  // Data, Purpose: the current weights as a file
	EvLoaded   = "loaded"   // Msg, Algo: a weights file became current
	EvError    = "error"    // Msg: something failed; nothing changed
)

// Event is a message from the worker to the page.
type Event struct {
	Type     string    `json:"type"`
	Msg      string    `json:"msg,omitempty"`
	Field    string    `json:"field,omitempty"`
	State    State     `json:"state,omitempty"`
	Algo     string    `json:"algo,omitempty"`
	Limits   *Limits   `json:"limits,omitempty"`
	Steps    []Step    `json:"steps,omitempty"`
	Eval     *Eval     `json:"eval,omitempty"`
	Snapshot *Snapshot `json:"snapshot,omitempty"`
	Data     []byte    `json:"data,omitempty"`
	Purpose  string    `json:"purpose,omitempty"`
	// Episodes is the run's episodes done; Total its planned episodes.
	Episodes int `json:"episodes,omitempty"`
	Total    int `json:"total,omitempty"`
	// HeapBytes and SysBytes are the Go heap in use and the memory the Go
	// runtime holds in the worker (runtime.MemStats HeapAlloc and Sys).
	HeapBytes uint64 `json:"heap_bytes,omitempty"`
	SysBytes  uint64 `json:"sys_bytes,omitempty"`
}

// Eval is a held-out accuracy measurement.
type Eval struct {
	Episode int     `json:"episode"`
	Acc     float64 `json:"acc"`
	CI95    float64 `json:"ci95"`
	Tasks   int     `json:"tasks"`
}

// Encode returns m (a Command or an Event) as JSON.
func Encode(m any) string {
	b, err := json.Marshal(m)
	if err != nil {
		// Commands and events hold numbers, strings and byte slices, but a
		// NaN loss cannot be written in JSON: say so instead.
		b, _ = json.Marshal(Event{Type: EvError, Msg: "could not encode a message: " + err.Error()})
	}
	return string(b)
}

// DecodeCommand parses a Command, returning an error naming the problem.
func DecodeCommand(s string) (Command, error) {
	var c Command
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return c, fmt.Errorf("trainer command: %w", err)
	}
	if c.Type == "" {
		return c, fmt.Errorf("trainer command: no type")
	}
	return c, nil
}

// DecodeEvent parses an Event, returning an error naming the problem.
func DecodeEvent(s string) (Event, error) {
	var e Event
	if err := json.Unmarshal([]byte(s), &e); err != nil {
		return e, fmt.Errorf("trainer event: %w", err)
	}
	if e.Type == "" {
		return e, fmt.Errorf("trainer event: no type")
	}
	return e, nil
}
