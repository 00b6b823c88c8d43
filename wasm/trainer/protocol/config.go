package protocol

// The settings of a run are modelfile.Config, the "config" a model file
// records, checked by the algorithm registry (core/algo: algo.Check); the
// algorithms, their defaults (algo.Spec.Quick for the page) and the
// settings that apply to each are the registry's. This file holds what the
// protocol adds: where a run starts, the data's limits and the error that
// names a field.

// Init says where training starts from (Command.Init of CmdStart).
const (
	InitScratch = "scratch" // fresh weights from the seed (train.InitParams, as metaglot train)
	InitBundled = "bundled" // the build's assets/models/<algo>.safetensors
	InitCurrent = "current" // the weights the trainer holds (trained or loaded)
)

// Limits are the class counts of the splits a session draws from: the
// training split (vinyals-trainval) and the held-out split (vinyals-test).
type Limits struct {
	TrainClasses int `json:"train_classes"`
	TestClasses  int `json:"test_classes"`
}

// FieldError is a setting that cannot be used: Field is the JSON name of
// the setting (a key of modelfile.Config, or "init", "algo"), Msg says why
// and what would do.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }
