// Package protonet implements Prototypical Networks (Snell, Swersky and
// Zemel, "Prototypical Networks for Few-shot Learning", NeurIPS 2017).
//
// # The idea
//
// A few-shot episode has way classes, each with shot labelled examples
// (the support) and query examples to classify. A network (nn.Conv4, or
// nn.Conv4S2 with Config.Net) embeds every image as a point in R^D. Each class is represented by its
// prototype, the mean of its support embeddings, and a query is classified
// by a softmax over minus its squared Euclidean distances to the
// prototypes:
//
//	p(y = c | x) = exp(−‖f(x) − μ_c‖²) / Σ_c' exp(−‖f(x) − μ_c'‖²)
//
// Training minimises the mean negative log-probability of the queries'
// true classes over random episodes, so the network learns an embedding in
// which classes it has never seen cluster around their means.
//
// # This package
//
// Loss computes that objective for one episode from the embeddings of its
// support and queries (rows in class-major order, support first) and its
// gradient with respect to every embedding, which nn.Conv4.Backward turns
// into parameter gradients. The whole algorithm fits in LossOf: prototypes,
// distances, log-softmax, negative log-likelihood, accuracy.
package protonet
