// Package learner holds what metaglot's three few-shot learners share: the
// Learner and Classifier interfaces they implement, the Task they train on,
// the choice of backbone (Net: Conv4 or the stride-2 Conv4S2, which share
// their tensors, so a model's metadata names it), the network of a
// backbone and a linear head that first-order MAML and Reptile adapt with
// fast weights, the BatchNorm rule for one query at a time, and the
// evaluation that reports accuracy with a 95% confidence interval.
//
// # Few-shot learning in one paragraph
//
// An N-way K-shot task gives K labelled images (the support set) of each of
// N classes never seen in training, and asks for the classes of new images
// of those N (the queries). A meta-learner is trained on many such tasks
// (episodes) drawn from training classes, so that what it learns — an
// embedding (Prototypical Networks, package protonet) or an initialization
// that adapts in a few gradient steps (first-order MAML, package maml;
// Reptile, package reptile) — transfers to tasks of unseen classes.
//
// # The interfaces
//
// A Learner has meta-parameters (Params: what a model file holds, with
// PyTorch's state_dict names), takes meta-training steps on batches of
// Tasks (Step), and adapts to a support set (Adapt), which yields a
// Classifier: class probabilities for query images. The optimizer state
// (OptimState, LoadOptimState) and the outer learning rate (SetLR) are
// exposed so that a training run can be checkpointed and resumed exactly.
// Step stops with an error, changing nothing, when a loss or a gradient is
// NaN or infinite.
//
// # One query at a time
//
// The browser classifies one drawing at a time, so a query's prediction
// must not depend on the other queries: Classifier.Probs on a batch of
// queries gives, row for row, the probabilities that it gives on each query
// alone. BatchNorm is the only layer that could mix queries, and the
// learners avoid it as follows:
//
//   - ProtoNet embeds support and queries with BatchNorm in inference mode,
//     using the running statistics gathered during training (as the
//     reference code does in evaluation).
//   - FOMAML and Reptile (HeadNet) choose with BN. With SupportBN they
//     adapt fast weights on the support set with BatchNorm in training
//     mode (batch statistics of the support set, the only statistics a task
//     offers), then normalize the queries with the batch statistics of the
//     support set under the adapted weights (SupportStats). With RunningBN
//     they normalize support and queries alike with the running statistics
//     stored in the parameters, as ProtoNet does; meta-training leaves those
//     statistics as they are, so they must come from a trained network (a
//     ProtoNet's). Both are non-transductive; the MAML and Reptile papers'
//     Omniglot figures use transductive BatchNorm (the statistics of all
//     queries together), which is not available when one query is drawn at
//     a time. A 1-shot support set is a small batch (five images for 5-way
//     1-shot): its statistics are noisy, which costs SupportBN accuracy
//     that RunningBN keeps. TransductiveBN trains as the papers do
//     (queries normalized with their own batch statistics) and classifies
//     one query at a time as SupportBN does; HeadClassifier's
//     TransductiveProbs gives the papers' protocol for any of them.
//
// Training uses the same rule as testing, so the network learns under the
// statistics it is evaluated with. The learners' shared test suite
// (learnertest) checks the property for every learner.
package learner
