// Package trainer is the training session behind the page's Train view, in
// plain Go: it runs in the page's Web Worker (package main under
// wasm/worker) but knows nothing of the browser, so everything it does is
// tested natively.
//
// # Meta-training in one paragraph
//
// Meta-training repeats one move: draw an episode — N classes of the
// training split, K labelled images of each (the support set) and Q more
// of each to guess (the queries) — let the learner solve it, and nudge the
// network so that it solves such episodes better. Prototypical Networks
// (Snell et al. 2017) embed support and queries with Conv4, average each
// class's support embeddings into a prototype and take one Adam step on the
// cross-entropy of −(squared distance to each prototype). First-order MAML
// (Finn et al. 2017) copies the weights, takes a few SGD steps on the
// support set, and moves the original weights by the query-set gradient of
// the adapted copy; Reptile (Nichol et al. 2018) moves them a fraction of
// the way towards the adapted copy.
//
// # The session
//
// A Trainer holds the current weights and, while training, a core/train
// Run: the one training loop metaglot train drives too, so the page and the
// CLI train the same weights from the same settings. A run's settings are
// a modelfile.Config — every setting metaglot train has, checked by the
// algorithm registry (core/algo) and against the splits' Limits before
// anything starts — and where it starts: fresh weights, the bundled model
// (whose recorded recipe the page's form shows) or the current weights.
// Step takes one meta-step (MetaBatch episodes) and returns its loss and
// accuracy, with held-out accuracy when val_every says; a non-finite loss
// or weight stops training with the weights of the last good step kept.
// Snapshot describes the latest episode (images, predictions, a PCA of its
// embeddings) for the episode viewer and the embedding view, and Weights /
// Load move the weights in and out as safetensors files of the same format
// `metaglot` reads and writes, recipe and provenance included.
//
// The network is a setting too (net: Conv4, or conv4s2, the stride-2
// network of Finn et al. and Nichol et al.). The two take the same tensors,
// so Weights carry the net their file names (Weights.Net), snapshots embed
// with it, and a run never starts from the other network's weights (a
// FieldError on net); a file naming a network the page cannot run is
// refused in one line.
//
// # Several workers
//
// A run may train in several Web Workers (the start command's Workers;
// the page asks for navigator.hardwareConcurrency − 1, at most 4, or its
// ?workers=N). For FOMAML and Reptile the worker program gives the
// Trainer helper workers (Shards) and Start wraps the learner in a
// core/train Split: each meta-batch is cut into contiguous ranges of
// tasks, the helpers compute theirs at the same meta-parameters, and the
// tasks' contributions are combined in task order here, so the weights
// are bit-identical to a run in one worker. ProtoNet and the MANN train
// in one worker, and the run's start says why (workers.go).
//
// # Messages
//
// Command and Event are the messages between the page and the worker,
// encoded as JSON (Encode, DecodeCommand, DecodeEvent); both ends are Go.
package trainer
