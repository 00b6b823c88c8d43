// Package episode samples the few-shot tasks that meta-learning trains and
// tests on.
//
// An N-way K-shot episode with Q queries picks N classes of a split and,
// for each class, K+Q different drawings of it: K labelled "support"
// images the learner may look at, and Q "query" images it must classify
// into one of the N classes. Accuracy is the fraction of queries it gets
// right; averaged over many random test episodes, with a 95% confidence
// interval, that is how few-shot results are reported (Vinyals et al.
// 2016; Snell, Swersky and Zemel 2017, "Prototypical Networks for Few-shot
// Learning").
//
// # Data sets
//
// A Sampler draws from any Dataset: NumClasses classes of ItemsPerClass
// images of one shape (ImageShape: channels, height, width), which
// WriteImage writes as float32, turned by a number of quarter turns. A
// Split lists the classes an episode may come from, each a class number
// and a rotation (Class); NewSplit builds one, with rotations as an
// option (1, 2 or 4 per class), and Rotate is the turn WriteImage should
// apply. Two optional interfaces add what Omniglot has: Grouped (classes
// in named groups, its alphabets, for Config.OneAlphabet and
// Config.Alphabet) and Partial (images that arrive in parts, its sprite
// sheets: NewSampler refuses classes whose images are not in yet).
//
// HoldOut splits a split by groups (alphabets held out for validation,
// evenly spaced in group order) and WithRotations adds the quarter turns
// of a split's classes as classes of their own: the Lake protocol's
// training data with Koch et al.'s and Lake et al.'s choices.
//
// Package omniglot's *Dataset is a Dataset (1×28×28 images, 20 drawers
// per character; its Split method gives the standard splits), and
// package episodetest's Synthetic is another, of any shape, for tests. A
// third data set is one package with a type of four methods.
//
// # Sampling
//
// Two separate steps, as in the Prototypical Networks code:
//
//  1. Classes: N distinct classes of the split, uniformly without
//     replacement. With Config.OneAlphabet (the Lake protocol) an alphabet
//     is drawn first, uniformly among the split's alphabets that have at
//     least N classes, and the N classes come from it; Config.Alphabet
//     fixes the alphabet. With Config.CapWay smaller alphabets are drawn
//     too, an episode of one holding all its classes (N capped at its
//     size).
//  2. Images: for each class, K+Q distinct drawers of its character (items
//     of its class, for another data set), uniformly without replacement:
//     the first K give the support, the next Q the queries, so support and
//     queries never share a drawing. With
//     Config.SameDrawers the K+Q drawers are drawn once per episode and
//     serve every class, as Lake et al.'s one-shot task pairs one drawer's
//     examples with another drawer's tests.
//
// The order in which the classes are drawn is random, and the class drawn
// i-th gets label i: labels are 0..N−1 in a random order, carrying nothing
// of the class's identity.
//
// Fixed builds an episode of given classes and items instead, in the same
// layout: for fixed test sets such as Lake et al.'s 20 one-shot runs
// (package lakeruns), the test set of the published error rates on their
// task, which are an easier draw than the sampler's random episodes of the
// same task (bench/lake-protocols.jsonl).
//
// # Layout
//
// Episode.Images is an (N·(K+Q))×C×H×W tensor, C×H×W the data set's
// image shape (Omniglot: 1×28×28), class-major: the K support images of
// class 0, of class 1, …, of class N−1, then the Q queries of class 0, …,
// of class N−1 — the order the ProtoNet loss expects
// (support reshaped N×K, queries N×Q). Labels gives the label of every
// image in that order; Classes[l] is the class labelled l.
//
// # Randomness
//
// A Sampler draws from the *rand.Rand it is given; the same seed gives the
// same episodes on every platform, natively and under WebAssembly:
//
//	rng := rand.New(rand.NewPCG(seed, 0))
//	s, err := episode.NewSampler(ds, split, episode.Config{Way: 5, Shot: 1, Query: 15}, rng)
//	ep := s.Sample()
//
// A Sampler reuses its buffers; SampleInto refills an Episode without
// allocating.
package episode
