// Package train is metaglot's one meta-training loop, driven by both
// `metaglot train` and the page's training worker (wasm/trainer).
//
// A Run trains a learner.Learner (built from the algorithm registry,
// core/algo) on the episodes of a data set, one meta-step at a time:
//
//	r, err := train.New(cfg, l, data, start) // start: episodes already done (a resumed run)
//	for !r.Finished() {
//		m, err := r.Step() // one meta-step: MetaBatch episodes
//		...
//	}
//
// The CLI loops Step until the run is finished (saving a checkpoint
// where CheckpointDue says, and on a signal); the page's worker calls Step
// within time budgets of a few tens of milliseconds, so that the page
// stays responsive. Both get the same weights from the same settings.
//
// # What a step does
//
//   - Seeding: the meta-step that starts after episode ep draws its
//     MetaBatch episodes from its own stream of the seed,
//     PCG(Seed, ep/MetaBatch), so a run resumed from a checkpoint at ep
//     draws exactly what an uninterrupted run would. Fresh parameters come
//     from another stream of the seed (InitParams).
//   - Learning rate: the algorithm's schedule (algo.Spec.LR: halved every
//     lr_halve_every episodes; Reptile's ε annealed linearly to 0).
//   - Divergence: a step whose loss, gradient or resulting weights are NaN
//     or infinite ends the run with a *Diverged error, and the weights of
//     the last good step are restored (the learners leave the weights alone
//     on a failed step; the copy also undoes a step that made a weight
//     infinite).
//   - Validation: every val_every episodes (when the step crosses a
//     multiple), held-out accuracy on a fixed set of val_episodes episodes
//     of the test split (1-shot 5-query, the training way up to 20), and
//     for learners that adapt by inner steps the accuracy before
//     adaptation.
//   - Augmentation (the augment setting, a strength): each training
//     image is distorted by a random affine map (core/augment: Koch et
//     al.'s rotation, shear, scale and translation), drawn from the
//     stream PCG(Seed, 1<<63 + ep/MetaBatch) of the step, so resumed runs
//     distort as uninterrupted ones. Validation episodes are never
//     distorted.
//   - Lake training data: rotations adds the three quarter turns of every
//     training class as classes of their own; val_alphabets holds that
//     many alphabets of the training split out of training
//     (episode.HoldOut: for Omniglot's background set and 5, Balinese,
//     Syriac (Estrangelo), Hebrew, Latin and Sanskrit) and validates on
//     them, within one alphabet with drawers paired as in Lake et al.'s
//     task, instead of on the evaluation alphabets (Run.HeldOut names
//     them).
//   - Episodes within one alphabet (one_alphabet, any split): each
//     training episode's classes come from one alphabet of the training
//     split, chosen uniformly, as Lake's task draws its tests, so the
//     network learns to tell similar characters apart. An alphabet with
//     fewer classes than the way (Omniglot's background set has 14 to 55
//     characters, 56 to 220 classes with rotations) gives episodes of all
//     its classes, their way capped at its size (episode.Config.CapWay),
//     for learners that take tasks of any way (ProtoNet, MANN, FOMAML and
//     Reptile with proto_head); an algorithm with a learned head of way
//     classes is refused by New (a *DataError) unless every training
//     alphabet has at least way classes.
//
// # Splitting a meta-step
//
// A learner whose tasks are independent until combined
// (learner.TaskSplitter: FOMAML, Reptile) can have each meta-step spread
// over several places: Split cuts the meta-batch into contiguous ranges,
// computes the first one itself and sends the others, with the
// meta-parameters, to Shards (the page's helper Web Workers, or
// LocalShard goroutines in tests), whose ShardServer computes each task
// as the unsplit step would; the contributions are combined in task order,
// so the parameters are bit-identical to an unsplit step's. The messages
// (ShardRequest.Encode, DecodeShardResponse) are binary: a JSON header and
// float32 values.
//
// A run's episodes count tasks: a meta-step of MetaBatch tasks advances
// the count by MetaBatch, and the last step of a run may pass Episodes.
package train
