// Package maml implements first-order Model-Agnostic Meta-Learning
// (FOMAML; Finn, Abbeel and Levine, "Model-Agnostic Meta-Learning for Fast
// Adaptation of Deep Networks", ICML 2017, section 5.2).
//
// # The idea
//
// MAML learns an initialization θ of a whole classifier (here a backbone,
// Conv4 or with Config.Net the stride-2 conv4s2 of Finn et al., and an
// N-way linear head) from which a few gradient steps on a new task's
// support set give a good classifier for that task. For each task i of a
// meta-batch it adapts fast weights
//
//	φ_i = θ − α ∇_θ L_support_i(θ)          (inner loop: k such steps)
//
// and then moves θ to reduce the query loss after adaptation,
// Σ_i L_query_i(φ_i). The exact gradient of that loss with respect to θ
// runs back through the inner steps (second derivatives). First-order MAML
// drops those: it takes ∇_φ L_query_i(φ_i), the query gradient at the
// adapted weights, as the gradient for θ. Finn et al. report that this
// loses little on Omniglot and MiniImagenet and saves the second backward
// pass; it is what this package does.
//
//	for each task i of the meta-batch:
//	    φ ← copy of θ                      (fast weights: a tensor.Set copy)
//	    repeat k times: φ ← φ − α ∇L_support(φ)
//	    g_i ← ∇L_query(φ)
//	θ ← Adam(θ, mean_i g_i)                (outer learning rate β = 1e-3)
//
// Reference hyperparameters for Omniglot (Finn et al.): 5-way, inner
// learning rate α = 0.4, one inner step in training and ten at test time,
// meta-batch 32; 20-way, α = 0.1, five steps, meta-batch 16.
//
// # Head and labels
//
// Labels are assigned to classes at random in every task, so a
// meta-learned head only learns a starting point shared by all classes.
// Config.ProtoHead replaces it, per task, with the prototype head of
// learner.HeadNet.ProtoHead (weights 2·c_k, biases −‖c_k‖² from the support
// prototypes; Triantafillou et al. 2020 "Proto-MAML"): the meta-parameters
// are then Conv4 alone and one model serves any number of classes. The
// head's initial values are functions of θ, so the outer gradient has two
// paths: through the query embeddings (first order, at φ) and through the
// prototypes (learner.HeadNet.ProtoHeadBackward: the head's gradient at φ
// carried back through the support embeddings under θ), as fo-Proto-MAML
// does. Without the second path the query loss could always be lowered by
// scaling the query embeddings up against fixed prototypes, and training
// drifts into ever larger, overconfident logits.
//
// # BatchNorm
//
// Config.BN chooses the statistics (learner.BN). With learner.SupportBN
// (the default) the inner steps use the support's batch statistics, and
// the queries are normalized with the support's statistics under φ
// (learner.HeadNet.SupportStats), in training as at test time, so that a
// query's prediction never depends on other queries; the running
// statistics in the meta-parameters are not used, and the outer gradient
// treats the support's statistics as constants (first order, like the
// rest). With learner.RunningBN, support and queries are normalized with
// the running statistics in θ, which neither the inner nor the outer loop
// changes: BatchNorm is then a fixed affine map per channel (its scale and
// shift are still learned). That needs statistics learned before, so it
// goes with a Conv4 initialized from a trained ProtoNet; with the
// prototype head this is Proto-MAML started from ProtoNet.
package maml
