package algo

import "metaglot/core/modelfile"

// ModelLabel names the model of the registered algorithm name that was
// trained with the recorded settings c (nil when the file records none),
// as the page and the worker say it: the algorithm's Label, except that a
// first-order MAML with a prototype head is "fo-Proto-MAML", and a model
// whose run started from a ProtoNet's weights is "<Label> from ProtoNet".
// An unregistered name is returned as it is.
func ModelLabel(name string, c *modelfile.Config) string {
	label := name
	if s, err := Lookup(name); err == nil {
		label = s.Label
	}
	if c == nil {
		return label
	}
	if name == "fomaml" && c.ProtoHead {
		return "fo-Proto-MAML"
	}
	if in, err := modelfile.ParseInit(c.Init); err == nil && in.Algo == "protonet" && name != "protonet" {
		return label + " from ProtoNet"
	}
	return label
}
