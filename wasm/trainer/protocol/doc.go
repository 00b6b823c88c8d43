// Package protocol is what the page and its training worker say to each
// other: the settings of a training run (Config, checked field by field
// against the splits' Limits before anything starts), the page's commands
// and the worker's events (progress, held-out accuracy, snapshots of the
// latest episode, weights), encoded as JSON. It depends on nothing heavy,
// so the page's binary carries only this much of the trainer; the worker
// (package trainer) does the work.
package protocol
