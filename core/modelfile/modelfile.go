// Package modelfile defines what metaglot writes beside the tensors of a
// model or checkpoint file (core/checkpoint's safetensors): the metadata
// that says what the tensors are and how they were trained.
//
// A model (assets/models/<name>.safetensors, DIR/model.safetensors of a run)
// holds the parameters only, under PyTorch's names. A checkpoint
// (DIR/checkpoint.safetensors) holds the parameters and the optimizer state
// under OptimPrefix names. Both carry the string metadata
//
//	"metaglot"      "model" or "checkpoint"
//	"algo"          protonet, fomaml or reptile
//	"config"        the Config of the run, as JSON
//	"episodes"      episodes trained (for a checkpoint, where to resume)
//	"wall_seconds"  training wall time
//	"threads"       worker threads of the run's convolutions (optional;
//	                absent in files of older versions: unknown)
//	"description"   free text (optional)
//
// The threads are recorded because a run's floating-point sums depend on
// how its convolutions are split among workers: a run resumed with another
// thread count continues correctly but not bit-identically.
//
// `metaglot train` writes them, `metaglot eval`, `classify` and the page
// read them, and the page's trainer writes them too, so a model trained in
// the browser loads in the CLI and the other way round.
package modelfile

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Kinds of file, the "metaglot" metadata.
const (
	KindModel      = "model"
	KindCheckpoint = "checkpoint"
)

// OptimPrefix starts the names of a checkpoint's optimizer tensors.
const OptimPrefix = "optim."

// Config is everything that defines a training run: the settings of
// `metaglot train` (its flags, in JSON's snake case). A zero field of an
// older file means the setting did not exist then.
type Config struct {
	Algo       string  `json:"algo"`
	Split      string  `json:"split"` // vinyals or lake
	Way        int     `json:"way"`
	Shot       int     `json:"shot"`
	Query      int     `json:"query"`
	Episodes   int     `json:"episodes"` // planned training episodes
	LR         float64 `json:"lr"`       // outer learning rate (Reptile: ε₀)
	LRHalve    int     `json:"lr_halve_every"`
	InnerSteps int     `json:"inner_steps"`
	InnerLR    float64 `json:"inner_lr"`
	// InnerBatch is how many support images each of Reptile's inner steps
	// in training takes (in turn, balanced over the classes, as Nichol et
	// al.'s minibatches of 10); 0 (every file written before the setting
	// existed) means the whole support set.
	InnerBatch int  `json:"inner_batch,omitempty"`
	AdaptSteps int  `json:"adapt_steps"`
	MetaBatch  int  `json:"meta_batch"`
	ProtoHead  bool `json:"proto_head"`
	// BN is where FOMAML and Reptile take BatchNorm statistics from:
	// "support" (the support set's; also meant by "") or "running" (the
	// parameters'); see core/learner.BN.
	BN string `json:"bn,omitempty"`
	// InnerParams is what FOMAML's and Reptile's inner steps change:
	// "all" (also meant by "") every trainable tensor, or "no-bn" all but
	// the BatchNorm scales and offsets, which only the outer loop then
	// learns (Finn et al.'s code keeps them out of the fast weights); see
	// core/learner.InnerParams.
	InnerParams string `json:"inner_params,omitempty"`
	// Net is the backbone of ProtoNet, FOMAML and Reptile: "conv4" (also
	// meant by "", every file written before the setting existed) the
	// max-pooling Conv4 with its 64-d embedding, or "conv4s2" the
	// stride-2 network of Finn et al. and Nichol et al. (no pooling, a
	// 256-d embedding). Both have the same tensors, so only this says
	// which network a file's weights are for; see core/learner.NetNamed.
	Net             string `json:"net,omitempty"`
	Seed            uint64 `json:"seed"`
	CheckpointEvery int    `json:"checkpoint_every"`
	ValEvery        int    `json:"val_every"`
	ValEpisodes     int    `json:"val_episodes"`
	// Augment is the strength of the random affine distortions of training
	// images (core/augment: 1 = Koch et al.'s ranges); 0, none.
	Augment float64 `json:"augment,omitempty"`
	// Rotations adds the 90°, 180° and 270° turns of every training class
	// as classes of their own (the Lake split; Vinyals' has them already).
	Rotations bool `json:"rotations,omitempty"`
	// OneAlphabet draws each training episode's classes from one alphabet
	// of the training split (Lake's task: similar characters), its way
	// capped at the alphabet's size for learners that take any way.
	OneAlphabet bool `json:"one_alphabet,omitempty"`
	// ValAlphabets holds this many alphabets of the Lake background set out
	// of training, for validation (core/episode.HoldOut); 0: validation on
	// the protocol's test split.
	ValAlphabets int `json:"val_alphabets,omitempty"`
	// Labels is the MANN's label code: "onehot" (also meant by "") or
	// "string" (Santoro et al.'s five-character strings; core/mann.Labels).
	Labels string `json:"labels,omitempty"`
	// Optimizer is the MANN's outer optimizer: "adam" (also meant by "")
	// or "rmsprop" (Santoro et al.'s: decay 0.95, momentum 0.9;
	// core/optim.RMSProp).
	Optimizer string `json:"optimizer,omitempty"`
	// Init names the model the run started from (`metaglot train -init`):
	// its file name, algorithm, episodes and the SHA-256 of its bytes, as
	// Init.String writes them; empty for a random initialization.
	Init string `json:"init,omitempty"`
}

// Meta is the metadata of a model or checkpoint file.
type Meta struct {
	Kind        string // KindModel or KindCheckpoint
	Config      Config
	Episodes    int
	Seconds     float64
	Threads     int // worker threads of the run; 0: unknown (not recorded)
	Description string
}

// Encode returns m as safetensors string metadata.
func (m Meta) Encode() map[string]string {
	cfg, _ := json.Marshal(m.Config) // numbers, strings and a bool: cannot fail
	out := map[string]string{
		"metaglot":     m.Kind,
		"algo":         m.Config.Algo,
		"config":       string(cfg),
		"episodes":     strconv.Itoa(m.Episodes),
		"wall_seconds": strconv.FormatFloat(m.Seconds, 'f', 1, 64),
	}
	if m.Threads > 0 {
		out["threads"] = strconv.Itoa(m.Threads)
	}
	if m.Description != "" {
		out["description"] = m.Description
	}
	return out
}

// Decode reads the metadata of a metaglot model or checkpoint file. It
// returns an error naming the first missing or malformed entry. It does
// not judge the settings (a Config from a newer metaglot may hold values
// this one would refuse to train with).
func Decode(meta map[string]string) (Meta, error) {
	var m Meta
	m.Kind = meta["metaglot"]
	if m.Kind != KindModel && m.Kind != KindCheckpoint {
		return m, fmt.Errorf("not a metaglot model or checkpoint (no \"metaglot\" metadata)")
	}
	if err := json.Unmarshal([]byte(meta["config"]), &m.Config); err != nil {
		return m, fmt.Errorf("bad \"config\" metadata: %v", err)
	}
	var err error
	if m.Episodes, err = strconv.Atoi(meta["episodes"]); err != nil || m.Episodes < 0 {
		return m, fmt.Errorf("bad \"episodes\" metadata %q", meta["episodes"])
	}
	if m.Seconds, err = strconv.ParseFloat(meta["wall_seconds"], 64); err != nil {
		return m, fmt.Errorf("bad \"wall_seconds\" metadata %q", meta["wall_seconds"])
	}
	if t, ok := meta["threads"]; ok {
		if m.Threads, err = strconv.Atoi(t); err != nil || m.Threads < 1 {
			return m, fmt.Errorf("bad \"threads\" metadata %q", t)
		}
	}
	if meta["algo"] != m.Config.Algo {
		return m, fmt.Errorf("\"algo\" metadata %q disagrees with the config's %q", meta["algo"], m.Config.Algo)
	}
	m.Description = meta["description"]
	return m, nil
}

// Init is the model a run started from, as Config.Init records it.
type Init struct {
	File     string // base name of the file
	Algo     string // its algorithm
	Episodes int    // its training episodes
	SHA256   []byte // the first bytes of the SHA-256 of the file
}

// String returns the Config.Init text: "FILE (ALGO, N episodes, sha256 HEX)".
func (i Init) String() string {
	return fmt.Sprintf("%s (%s, %d episodes, sha256 %x)", i.File, i.Algo, i.Episodes, i.SHA256)
}

// ParseInit reads a Config.Init text written by Init.String. It returns an
// error for anything else (an empty Init means a random start).
func ParseInit(s string) (Init, error) {
	var i Init
	open := strings.LastIndex(s, " (")
	if open < 1 || !strings.HasSuffix(s, ")") {
		return i, fmt.Errorf("init %q: want \"FILE (ALGO, N episodes, sha256 HEX)\"", s)
	}
	i.File = s[:open]
	var hexSum string
	if _, err := fmt.Sscanf(s[open+2:len(s)-1], "%s %d episodes, sha256 %s", &i.Algo, &i.Episodes, &hexSum); err != nil || !strings.HasSuffix(i.Algo, ",") {
		return i, fmt.Errorf("init %q: want \"FILE (ALGO, N episodes, sha256 HEX)\"", s)
	}
	i.Algo = strings.TrimSuffix(i.Algo, ",")
	sum, err := hex.DecodeString(hexSum)
	if err != nil {
		return i, fmt.Errorf("init %q: bad hash: %v", s, err)
	}
	i.SHA256 = sum
	return i, nil
}
