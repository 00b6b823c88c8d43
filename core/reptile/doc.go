// Package reptile implements Reptile (Nichol, Achiam and Schulman, "On
// First-Order Meta-Learning Algorithms", 2018).
//
// # The idea
//
// Like MAML, Reptile learns an initialization θ from which a few gradient
// steps on a task's support set give a good classifier. Its update is even
// simpler than first-order MAML's: adapt fast weights φ_i to each task of a
// meta-batch with k steps of plain training, then move θ part of the way
// toward them:
//
//	for each task i of the meta-batch:
//	    φ_i ← copy of θ
//	    repeat k times: φ_i ← φ_i − α ∇L_support_i(φ_i)
//	θ ← θ + ε · mean_i (φ_i − θ)
//
// No query gradient is taken at all: (θ − φ_i) plays the role of a
// gradient. Nichol et al. show that its expectation contains, besides the
// ordinary loss gradient, a term that maximises the inner product of the
// gradients of different minibatches of a task — that is, it learns an
// initialization from which steps on one part of a task also help on the
// rest of it, which is generalisation within the task.
//
// # Schedule
//
// The outer step size ε is the learner's learning rate (SetLR). The paper
// anneals it linearly from ε₀ = 1 to 0 over training; metaglot's training
// loop does the same over the run's planned episodes:
//
//	ε(e) = ε₀ · (1 − e/E)         e episodes done, E planned
//
// The paper's inner loop is Adam (β₁ = 0) on minibatches of 10 for 5
// steps; this package uses plain SGD on the whole support set, like
// package maml, so that both adapt in exactly the same way at test time.
// The query set of a training task is used only to report the loss and
// accuracy after adaptation.
//
// # Head and BatchNorm
//
// As in package maml: a meta-learned N-way head; BatchNorm with the
// support's batch statistics, applied unchanged to each query
// (learner.HeadNet.SupportStats), or with Config.BN = learner.RunningBN the
// running statistics of θ, left unchanged by training. The Reptile paper's
// Omniglot figures are transductive (all queries normalized together);
// these are not.
//
// Config.ProtoHead (a prototype-initialized head per task) serves to adapt
// a trained model to any number of classes. It is no way to train: the
// prototype head fits the support set at once, the support loss and its
// gradient are then ≈ 0, the fast weights do not move, and neither does θ.
// (First-order MAML trains with it, because its signal is the query loss.)
package reptile
