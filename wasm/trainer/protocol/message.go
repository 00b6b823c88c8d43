package protocol

import (
	"encoding/json"
	"fmt"

	"metaglot/core/modelfile"
)

// Command types: what the page asks of the worker.
const (
	CmdStart    = "start"    // Config, Init: start a run
	CmdPause    = "pause"    // hold the run
	CmdResume   = "resume"   // continue it
	CmdStop     = "stop"     // end it, keeping the weights
	CmdWeights  = "weights"  // send the current weights (EvWeights)
	CmdLoad     = "load"     // Data: make a weights file the current weights
	CmdDrawings = "drawings" // Drawings: the user's classes for the embedding view
	CmdCompare  = "compare"  // Compare: measure the bundled models on test episodes (EvCompare)
)

// Command is a message from the page to the worker.
type Command struct {
	Type string `json:"type"`
	// Config is the run's settings (CmdStart): every setting metaglot
	// train has, by its JSON name, checked by algo.Check.
	Config *modelfile.Config `json:"config,omitempty"`
	// Init is where the run starts (CmdStart): InitScratch (also ""),
	// InitBundled or InitCurrent.
	Init     string          `json:"init,omitempty"`
	Data     []byte          `json:"data,omitempty"`
	Drawings *Drawings       `json:"drawings,omitempty"`
	Compare  *CompareRequest `json:"compare,omitempty"`
	// Purpose says what the page wants weights for (CmdWeights): it comes
	// back in the EvWeights event.
	Purpose string `json:"purpose,omitempty"`
	// Workers is how many Web Workers the run may train in (CmdStart):
	// this one and Workers−1 helpers that compute part of each meta-step
	// (0 or 1: this one alone; at most MaxWorkers). The run uses fewer
	// when its algorithm's steps cannot be split (EvState says why) or
	// its meta-batch has fewer tasks.
	Workers int `json:"workers,omitempty"`
}

// MaxWorkers bounds Command.Workers.
const MaxWorkers = 8

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
	EvCompare  = "compare"  // Compared: an algorithm's accuracy on test episodes so far
)

// Event is a message from the worker to the page.
type Event struct {
	Type     string         `json:"type"`
	Msg      string         `json:"msg,omitempty"`
	Field    string         `json:"field,omitempty"`
	State    State          `json:"state,omitempty"`
	Algo     string         `json:"algo,omitempty"`
	Limits   *Limits        `json:"limits,omitempty"`
	Steps    []Step         `json:"steps,omitempty"`
	Eval     *Eval          `json:"eval,omitempty"`
	Snapshot *Snapshot      `json:"snapshot,omitempty"`
	Compared *CompareResult `json:"compared,omitempty"`
	Data     []byte         `json:"data,omitempty"`
	Purpose  string         `json:"purpose,omitempty"`
	// Workers is the number of Web Workers the run trains in (EvState of
	// a run's start).
	Workers int `json:"workers,omitempty"`
	// Episodes is the run's episodes done; Total its planned episodes.
	Episodes int `json:"episodes,omitempty"`
	Total    int `json:"total,omitempty"`
	// HeapBytes and SysBytes are the Go heap in use and the memory the Go
	// runtime holds in the worker (runtime.MemStats HeapAlloc and Sys).
	HeapBytes uint64 `json:"heap_bytes,omitempty"`
	SysBytes  uint64 `json:"sys_bytes,omitempty"`
}

// Eval is a held-out accuracy measurement (core/train's validation:
// val_episodes 1-shot 5-query episodes of the training way, at most 20).
type Eval struct {
	Episode int     `json:"episode"`
	Acc     float64 `json:"acc"`
	CI95    float64 `json:"ci95"`
	Tasks   int     `json:"tasks"`
	// Before is the accuracy of the same episodes before adaptation, for
	// learners that adapt by inner steps (0 for the others).
	Before float64 `json:"before,omitempty"`
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

// State is where a training session is in its life.
type State string

const (
	Idle     State = "idle"     // no run yet
	Running  State = "running"  // Step trains
	Paused   State = "paused"   // a run waits for Resume
	Finished State = "finished" // the run trained its episodes
	Stopped  State = "stopped"  // the user stopped the run
	Diverged State = "diverged" // a loss or weight became NaN or Inf; the last good weights are kept
)

// Step is the outcome of one meta-step.
type Step struct {
	Episode int     `json:"episode"` // episodes of the run done after the step
	Loss    float64 `json:"loss"`    // mean query loss of the step's tasks
	Acc     float64 `json:"acc"`     // mean query accuracy of the step's tasks
}

// Kind says what a point of the embedding view stands for.
type Kind int

const (
	SupportPoint   Kind = iota // a support image
	PrototypePoint             // the mean embedding of a class's support images
	QueryPoint                 // a query image
	UserPoint                  // one of the user's drawings, projected
)

// Point is an embedding projected onto the first two principal components
// of the episode's points.
type Point struct {
	X     float32 `json:"x"`
	Y     float32 `json:"y"`
	Kind  Kind    `json:"kind"`
	Class int     `json:"class"` // the episode's label, or the user's class for a UserPoint
}

// Snapshot describes the latest training episode for the episode viewer
// and the embedding view.
type Snapshot struct {
	Episode          int      `json:"episode"` // run episodes done when it was taken
	Way, Shot, Query int      // the episode's shape
	Classes          []string `json:"classes"` // names of the episode's classes, by label
	// Support and Queries are the images, 28×28 bytes each (255 = ink),
	// class-major like the episode: class 0's images, then class 1's, ….
	Support []byte `json:"support"`
	Queries []byte `json:"queries"`
	// Pred is the predicted class of each query (its label is i / Query).
	Pred []int `json:"pred"`
	// Points are the PCA of the embeddings: support images, prototypes,
	// queries, then the user's drawings (projected onto the episode's
	// components, not fitted).
	Points []Point `json:"points"`
	// Explained is the fraction of the variance the two components hold.
	Explained float64 `json:"explained"`
	// UserClasses names the user's classes of the UserPoints.
	UserClasses []string `json:"user_classes,omitempty"`
}
