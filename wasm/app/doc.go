// Package app is the state of the draw-and-classify page and every action
// the page offers, in plain Go: the browser layer (package main under
// wasm/, with ebiten for the canvases and syscall/js for the HTML
// controls) only forwards pointer, keyboard and button events here and
// shows what State holds. Everything the page does can therefore be tested
// natively: add, rename and delete classes, draw and add examples, undo and
// clear, classify after every query stroke, keyboard shortcuts, persistence
// and import with their error messages, the "Try Omniglot" flow (what to
// fetch, through a Fetch the page gives, and the filling), the PNG and
// JSON exports, which weights to fetch and the classifiers made of them,
// and the texts the page shows.
//
// # Algorithms
//
// The algorithms are core/algo's registry: the menu (Algorithms) holds the
// registered ones the page can classify with, those that adapt by inner
// steps (classify.FineTuner) and those whose model is a Conv4 embedding
// (classify.ProtoNet, nearest prototype). StartAlgorithm's weights come
// with the page; another's are fetched when first chosen (NeedWeights).
//
// # Pads
//
// There are two drawing pads: Draw, whose drawing becomes an example of
// the selected class, and Query, whose drawing is classified after every
// stroke. Both work in the 105×105 frame of package pad.
//
// # Work spread over frames
//
// Two kinds of work run a little per frame, through Warm and Tick: the
// embedding of new examples (so that a query stroke costs one forward
// pass), and the fine-tuning steps of FOMAML and Reptile (Adapting,
// AdaptDone and AdaptTotal say how far it is).
//
// # Weights trained in the page
//
// UseTrained puts weights trained in the Train view in use; SaveTrained
// keeps them in the browser's storage and LoadTrained brings them back
// after a reload, until DiscardTrained goes back to the bundled ones.
// WeightsNote says in plain words which weights the algorithm in use has.
//
// # Lake's task
//
// Try Omniglot with the Lake protocol (PlanLake) takes one of Lake's 20
// evaluation alphabets, the examples by one drawer and the held-out
// drawings by another; a Challenge then asks the visitor each held-out
// drawing's class and shows the answer of a ProtoNet meta-trained on the
// background alphabets only (ChallengerModel), with both scores.
//
// The LakeRuns protocol (StartTryRun) plays instead one of Lake et al.'s
// own 20 runs (core/episode/lakeruns), the fixed test set behind the
// published error rates: its 20 examples and 20 tests exactly, and at the
// end of the challenge the visitor's and the model's error on that run
// beside the published means over the 20 runs.
//
// # Messages
//
// Hint is guidance (nothing to classify yet); Message is the outcome of the
// last action (an import refused, storage full); both are plain text for
// the page to show in live regions.
package app
