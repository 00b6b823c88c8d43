// Package classify turns the page's classes and a query drawing into one
// probability per class, the way Prototypical Networks classify (Snell,
// Swersky and Zemel 2017): embed every example and the query with the
// model's network (BatchNorm in inference mode, using its running
// statistics: Conv4, or conv4s2 when the weights' metadata says so, NetOf
// and NewBackbone; the two take the same tensors), take
// each class's prototype as the mean of its examples' embeddings, and
// return the softmax over classes of minus the squared Euclidean distance
// from the query's embedding to each prototype.
//
// Embeddings of examples are cached by the content of their 28×28 image,
// so after the first query only the query itself goes through the network:
// drawing a stroke costs one forward pass, whatever the number of classes.
//
// FineTuner classifies as first-order MAML (Finn, Abbeel and Levine 2017)
// and Reptile (Nichol, Achiam and Schulman 2018) do at test time: a copy of
// the meta-learned weights is fine-tuned on the classes' examples with a
// few SGD steps, then classifies the query. Its Step runs one fine-tuning
// step, so the page spreads an adaptation over frames with a progress bar.
//
// Familiarity is the honest part of a classification: softmax
// probabilities compare the classes given and sum to 1, so a scribble
// unlike every class still crowns one. It measures the query's distance to
// the nearest prototype against how far drawings of one class are from
// their class's other drawings (leave-one-out, from the classes
// themselves, or OmniglotReference for the bundled network when the
// classes have too few examples), and says it in plain words.
//
// Usage:
//
//	pn, err := classify.NewProtoNet(classify.NewConv4(params))
//	res, err := pn.Classify(support, query) // support[c][k] and query are 28×28 ink images
//	res.Probs[res.Best]
package classify
