// Package protocol is what the page and its training worker say to each
// other: the page's commands (a run's settings are a modelfile.Config, the
// one settings type of metaglot train and the registry, with where the run
// starts), the worker's limits and field errors, and its events (progress,
// held-out accuracy, snapshots of the latest episode, weights), encoded as
// JSON. It depends on nothing heavy, so the page's binary carries only this
// much of the trainer; the worker (package trainer) does the work.
package protocol
