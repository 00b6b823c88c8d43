// Package trainview is the page's side of the Train view, in plain Go:
// its settings form is generated from the algorithm registry (core/algo:
// every setting of metaglot train, with its label, range and help; those
// that do not apply to the learner hidden) and read into a
// modelfile.Config, the settings type the worker trains with (saying which
// field is wrong and why); continuing the bundled model shows its recorded
// recipe. It folds the worker's events into a View (state, counters,
// the loss and accuracy history with smoothed curves, held-out accuracy,
// the latest episode), and draws the pictures into RGBA pixel buffers: the
// live charts, the episode viewer and the embedding view. The browser
// layer (package main under wasm/) forwards events here and copies the
// pixels to the canvas; everything here is tested natively.
//
// # Smoothing
//
// A training curve jumps from episode to episode, because each episode is
// a different task. The smoothed curve is an exponential moving average
// with weight Alpha on the newest value, divided by 1 − (1 − Alpha)^n after
// n values so that its start is not pulled towards zero (the bias
// correction of Adam and TensorBoard).
package trainview
